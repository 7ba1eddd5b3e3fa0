//! Site lists: domains the admins have blocked or approved (subdomains included).

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000003_site_rules"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SiteRules {
    Table,
    Id,
    Domain,
    Kind,
    Note,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SiteRules::Table)
                .col(id(SiteRules::Id))
                .col(text(SiteRules::Domain).unique_key())
                .col(text(SiteRules::Kind))
                .col(text_default(SiteRules::Note, ""))
                .col(fk_null(SiteRules::CreatedBy))
                .col(time(SiteRules::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SiteRules::Table, SiteRules::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await
    }
}
