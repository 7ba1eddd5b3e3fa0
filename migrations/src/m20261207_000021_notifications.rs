//! Notifications: the notices table of issue 16 becomes everything a person
//! is told (replies, mentions, decisions, hides, announcements), so there is
//! one list, one unread count and one place to mark read. Each row may name
//! the channel, post and reply it is about (read again at display, so
//! someone who loses access to a channel stops seeing what came from it),
//! and whether it waits to be emailed. Each person's choices per kind live
//! in `notification_settings`; a kind with no row is shown in the app only.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000021_notifications"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    ChannelId,
    PostId,
    ReplyId,
    EmailDueAt,
    EmailedAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    Kind,
    Delivery,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a
        // time. No foreign keys on the new columns (SQLite cannot add them
        // to an existing table); display joins them and drops what is gone.
        for col in [
            fk_null(Notices::ChannelId),
            fk_null(Notices::PostId),
            fk_null(Notices::ReplyId),
            // Set while the notification waits to be emailed; cleared when
            // it is handed to the mail server (or found no longer readable).
            time_null(Notices::EmailDueAt),
            // When it went by email: the last one bounds the next (at most
            // one email per person per quarter of an hour).
            time_null(Notices::EmailedAt),
        ] {
            m.alter_table(Table::alter().table(Notices::Table).add_column(col).to_owned())
                .await?;
        }
        m.create_index(
            Index::create()
                .name("notices_email_due")
                .table(Notices::Table)
                .col(Notices::EmailDueAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationSettings::Table)
                .col(fk(NotificationSettings::UserId))
                .col(text(NotificationSettings::Kind))
                .col(text(NotificationSettings::Delivery))
                .col(time(NotificationSettings::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(NotificationSettings::UserId)
                        .col(NotificationSettings::Kind),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationSettings::Table, NotificationSettings::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}
