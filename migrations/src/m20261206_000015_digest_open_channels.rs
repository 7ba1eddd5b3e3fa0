//! Email-only subscribers (partners, councillors) read only what an
//! administrator opened to them: a channel is offered to them by a mark of
//! its own (`digest_open`, off until set, and only ever on an open
//! channel). Their subscription is double opt-in: `requested_at` is when the
//! latest confirmation link was sent, and one address holds one
//! subscription. The links themselves are signed, not stored.

use sea_orm_migration::prelude::*;

use crate::cols;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000015_digest_open_channels"
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    DigestOpen,
}

#[derive(DeriveIden)]
enum DigestSubscribers {
    Table,
    Email,
    RequestedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .add_column(ColumnDef::new(Channels::DigestOpen).boolean().not_null().default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(DigestSubscribers::Table)
                .add_column(cols::time_null(DigestSubscribers::RequestedAt))
                .to_owned(),
        )
        .await?;
        // One subscription per address (account holders' rows have no
        // address of their own, and NULLs do not clash).
        m.create_index(
            Index::create()
                .name("digest_subscribers_email")
                .table(DigestSubscribers::Table)
                .col(DigestSubscribers::Email)
                .unique()
                .to_owned(),
        )
        .await
    }
}
