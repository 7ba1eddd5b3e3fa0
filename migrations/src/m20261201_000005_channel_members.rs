//! Members of private channels: who may read a private channel's content
//! (and find it in search). Open channels need no members.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000005_channel_members"
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
enum ChannelMembers {
    Table,
    ChannelId,
    UserId,
    AddedBy,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChannelMembers::Table)
                .col(fk(ChannelMembers::ChannelId))
                .col(fk(ChannelMembers::UserId))
                .col(fk_null(ChannelMembers::AddedBy))
                .col(time(ChannelMembers::AddedAt))
                .primary_key(
                    Index::create()
                        .col(ChannelMembers::ChannelId)
                        .col(ChannelMembers::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ChannelMembers::Table, ChannelMembers::ChannelId)
                        .to(Channels::Table, Channels::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ChannelMembers::Table, ChannelMembers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ChannelMembers::Table, ChannelMembers::AddedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // Every request loads the viewer's memberships with their account.
        m.create_index(
            Index::create()
                .name("channel_members_user")
                .table(ChannelMembers::Table)
                .col(ChannelMembers::UserId)
                .to_owned(),
        )
        .await
    }
}
