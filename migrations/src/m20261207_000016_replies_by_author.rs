//! Replies by their author: the digest finds the threads a reader took part
//! in from their own replies, and without this index that meant reading
//! every reply of the week for each of thousands of readers.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000016_replies_by_author"
    }
}

#[derive(DeriveIden)]
enum Replies {
    Table,
    AuthorId,
    PostId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("replies_author")
                .table(Replies::Table)
                .col(Replies::AuthorId)
                .col(Replies::PostId)
                .to_owned(),
        )
        .await
    }
}
