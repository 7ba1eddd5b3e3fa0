//! Who gets the weekly digest, and of what. Account holders are subscribed
//! by default (weekly, the channels they follow) and get a row when they
//! change that; email-only subscribers (partners, councillors) will be rows
//! with an address and no account. Picked channels are rows of their own.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000011_digest_subscribers"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DigestSubscribers {
    Table,
    Id,
    UserId,
    Email,
    Frequency,
    Channels,
    ConfirmedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DigestSubscriberChannels {
    Table,
    SubscriberId,
    ChannelId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DigestSubscribers::Table)
                .col(id(DigestSubscribers::Id))
                .col(fk_null(DigestSubscribers::UserId))
                .col(text_null(DigestSubscribers::Email))
                .col(text_default(DigestSubscribers::Frequency, "weekly"))
                .col(text_default(DigestSubscribers::Channels, "followed"))
                .col(time_null(DigestSubscribers::ConfirmedAt))
                .col(time(DigestSubscribers::CreatedAt))
                .col(time(DigestSubscribers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestSubscribers::Table, DigestSubscribers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One row per account (NULLs, the email-only subscribers, do not clash).
        m.create_index(
            Index::create()
                .name("digest_subscribers_user")
                .table(DigestSubscribers::Table)
                .col(DigestSubscribers::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DigestSubscriberChannels::Table)
                .col(fk(DigestSubscriberChannels::SubscriberId))
                .col(fk(DigestSubscriberChannels::ChannelId))
                .primary_key(
                    Index::create()
                        .col(DigestSubscriberChannels::SubscriberId)
                        .col(DigestSubscriberChannels::ChannelId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestSubscriberChannels::Table, DigestSubscriberChannels::SubscriberId)
                        .to(DigestSubscribers::Table, DigestSubscribers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DigestSubscriberChannels::Table, DigestSubscriberChannels::ChannelId)
                        .to(Channels::Table, Channels::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
