//! Posts shared in one action into several channels (one post per channel,
//! each with its own discussion) carry the same share group, so each can
//! link to the others ("Also shared in #…"). Posts shared into one channel,
//! and every post from before, have none.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000010_share_groups"
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    ShareGroup,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .add_column(ColumnDef::new(Posts::ShareGroup).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_share_group")
                .table(Posts::Table)
                .col(Posts::ShareGroup)
                .to_owned(),
        )
        .await
    }
}
