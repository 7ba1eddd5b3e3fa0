//! An inbox entry ("story") no longer keeps its own copy of the summary: the
//! summary is the one its first feed item carries, so each summary is
//! written once, with the item.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000006_story_summary_from_item"
    }
}

#[derive(DeriveIden)]
enum Stories {
    Table,
    SummaryHtml,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Stories::Table)
                .drop_column(Stories::SummaryHtml)
                .to_owned(),
        )
        .await
    }
}
