//! Posts a curator marked "feature in the digest" for a week: they open
//! that week's digest, before the most engaged ones.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000013_digest_features"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DigestFeatures {
    Table,
    Week,
    PostId,
    FeaturedBy,
    FeaturedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DigestFeatures::Table)
                .col(text(DigestFeatures::Week))
                .col(fk(DigestFeatures::PostId))
                .col(fk_null(DigestFeatures::FeaturedBy))
                .col(time(DigestFeatures::FeaturedAt))
                .primary_key(Index::create().col(DigestFeatures::Week).col(DigestFeatures::PostId))
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestFeatures::Table, DigestFeatures::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestFeatures::Table, DigestFeatures::FeaturedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await
    }
}
