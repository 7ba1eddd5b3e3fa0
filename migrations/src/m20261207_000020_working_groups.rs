//! Working groups and the daily rhythm: requests to join a private channel
//! (one waiting per person and channel), posts pinned at the top of a
//! channel, announcements with each reader's dismissal, and a manager for
//! every channel an administrator created before managers existed.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000020_working_groups"
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
enum Posts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum JoinRequests {
    Table,
    Id,
    ChannelId,
    UserId,
    Message,
    Status,
    CreatedAt,
    DecidedAt,
    DecidedBy,
    DecisionReason,
}

#[derive(DeriveIden)]
enum ChannelPins {
    Table,
    ChannelId,
    PostId,
    PinnedBy,
    PinnedAt,
}

#[derive(DeriveIden)]
enum Announcements {
    Table,
    PostId,
    ChannelId,
    AnnouncedBy,
    AnnouncedAt,
}

#[derive(DeriveIden)]
enum AnnouncementDismissals {
    Table,
    PostId,
    UserId,
    DismissedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(JoinRequests::Table)
                .col(id(JoinRequests::Id))
                .col(fk(JoinRequests::ChannelId))
                .col(fk(JoinRequests::UserId))
                .col(text(JoinRequests::Message))
                // `pending`, `accepted`, `declined` or `withdrawn`.
                .col(text_default(JoinRequests::Status, "pending"))
                .col(time(JoinRequests::CreatedAt))
                .col(time_null(JoinRequests::DecidedAt))
                .col(fk_null(JoinRequests::DecidedBy))
                .col(text_null(JoinRequests::DecisionReason))
                .foreign_key(&mut foreign(
                    JoinRequests::Table,
                    JoinRequests::ChannelId,
                    Channels::Table,
                    Channels::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    JoinRequests::Table,
                    JoinRequests::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    JoinRequests::Table,
                    JoinRequests::DecidedBy,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        // One request waiting per person and channel (a partial index, spelt
        // the same on both backends).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX join_requests_one_pending \
                 ON join_requests (channel_id, user_id) WHERE status = 'pending'",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(ChannelPins::Table)
                .col(fk(ChannelPins::ChannelId))
                .col(fk(ChannelPins::PostId))
                .col(fk_null(ChannelPins::PinnedBy))
                .col(time(ChannelPins::PinnedAt))
                .primary_key(Index::create().col(ChannelPins::ChannelId).col(ChannelPins::PostId))
                .foreign_key(&mut foreign(
                    ChannelPins::Table,
                    ChannelPins::ChannelId,
                    Channels::Table,
                    Channels::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    ChannelPins::Table,
                    ChannelPins::PostId,
                    Posts::Table,
                    Posts::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    ChannelPins::Table,
                    ChannelPins::PinnedBy,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Announcements::Table)
                .col(
                    ColumnDef::new(Announcements::PostId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(fk(Announcements::ChannelId))
                .col(fk_null(Announcements::AnnouncedBy))
                .col(time(Announcements::AnnouncedAt))
                .foreign_key(&mut foreign(
                    Announcements::Table,
                    Announcements::PostId,
                    Posts::Table,
                    Posts::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    Announcements::Table,
                    Announcements::ChannelId,
                    Channels::Table,
                    Channels::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    Announcements::Table,
                    Announcements::AnnouncedBy,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("announcements_by_channel")
                .table(Announcements::Table)
                .col(Announcements::ChannelId)
                .col(Announcements::AnnouncedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AnnouncementDismissals::Table)
                .col(fk(AnnouncementDismissals::PostId))
                .col(fk(AnnouncementDismissals::UserId))
                .col(time(AnnouncementDismissals::DismissedAt))
                .primary_key(
                    Index::create()
                        .col(AnnouncementDismissals::UserId)
                        .col(AnnouncementDismissals::PostId),
                )
                .foreign_key(&mut foreign(
                    AnnouncementDismissals::Table,
                    AnnouncementDismissals::PostId,
                    Announcements::Table,
                    Announcements::PostId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign(
                    AnnouncementDismissals::Table,
                    AnnouncementDismissals::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        // Channels created before managers existed: whoever created one manages it.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO channel_managers (channel_id, user_id, kind, added_at, added_by) \
                 SELECT c.id, c.created_by, 'manager', c.created_at, c.created_by FROM channels c \
                 WHERE c.created_by IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM channel_managers m WHERE m.channel_id = c.id)",
            )
            .await?;
        Ok(())
    }
}
