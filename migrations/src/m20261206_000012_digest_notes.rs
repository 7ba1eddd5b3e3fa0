//! The editor's note a curator writes for a week's digest: one per week,
//! shown at the top of everyone's digest for that week.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000012_digest_notes"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DigestNotes {
    Table,
    Week,
    BodyMd,
    AuthorId,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DigestNotes::Table)
                .col(ColumnDef::new(DigestNotes::Week).text().not_null().primary_key())
                .col(text(DigestNotes::BodyMd))
                .col(fk_null(DigestNotes::AuthorId))
                .col(time(DigestNotes::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestNotes::Table, DigestNotes::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await
    }
}
