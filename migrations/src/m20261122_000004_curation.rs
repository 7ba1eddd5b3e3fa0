//! Curation: the feeds a curator follows, the items they bring, the inbox
//! entries ("stories") those items are grouped into by canonical URL, the
//! jobs table with leases that polls them, and where a post came from.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000004_curation"
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
    SourceFeedId,
    StoryId,
    CanonicalUrl,
}

#[derive(DeriveIden)]
enum Feeds {
    Table,
    Id,
    Url,
    Title,
    SiteUrl,
    Folder,
    DefaultChannelId,
    IncludeWords,
    ExcludeWords,
    PollMinutes,
    PausedAt,
    Etag,
    LastModified,
    LastPolledAt,
    LastSuccessAt,
    LastError,
    Failures,
    ItemCount,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Stories {
    Table,
    Id,
    Key,
    Url,
    Title,
    SummaryHtml,
    SortAt,
    FirstSeenAt,
    DismissedAt,
    DismissedBy,
}

#[derive(DeriveIden)]
enum FeedItems {
    Table,
    Id,
    FeedId,
    StoryId,
    Guid,
    Url,
    Title,
    Author,
    SummaryHtml,
    PublishedAt,
    UpdatedAt,
    SeenAt,
    ContentHash,
    Passed,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Key,
    Payload,
    RunAt,
    Attempts,
    LockedBy,
    LockedUntil,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Feeds::Table)
                .col(id(Feeds::Id))
                .col(text(Feeds::Url).unique_key())
                .col(text(Feeds::Title))
                .col(text_null(Feeds::SiteUrl))
                .col(text_default(Feeds::Folder, ""))
                .col(fk_null(Feeds::DefaultChannelId))
                .col(text_default(Feeds::IncludeWords, ""))
                .col(text_default(Feeds::ExcludeWords, ""))
                .col(ColumnDef::new(Feeds::PollMinutes).integer().not_null().default(60))
                .col(time_null(Feeds::PausedAt))
                .col(text_null(Feeds::Etag))
                .col(text_null(Feeds::LastModified))
                .col(time_null(Feeds::LastPolledAt))
                .col(time_null(Feeds::LastSuccessAt))
                .col(text_null(Feeds::LastError))
                .col(int(Feeds::Failures))
                .col(int(Feeds::ItemCount))
                .col(fk_null(Feeds::CreatedBy))
                .col(time(Feeds::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Feeds::Table, Feeds::DefaultChannelId)
                        .to(Channels::Table, Channels::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Feeds::Table, Feeds::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        // One inbox entry per story: keyed by canonical URL, so the same
        // article from several feeds is one entry ("also in …").
        m.create_table(
            Table::create()
                .table(Stories::Table)
                .col(id(Stories::Id))
                .col(text(Stories::Key).unique_key())
                .col(text_null(Stories::Url))
                .col(text(Stories::Title))
                .col(text_default(Stories::SummaryHtml, ""))
                .col(time(Stories::SortAt))
                .col(time(Stories::FirstSeenAt))
                .col(time_null(Stories::DismissedAt))
                .col(fk_null(Stories::DismissedBy))
                .foreign_key(
                    ForeignKey::create()
                        .from(Stories::Table, Stories::DismissedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stories_inbox")
                .table(Stories::Table)
                .col(Stories::SortAt)
                .col(Stories::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeedItems::Table)
                .col(id(FeedItems::Id))
                .col(fk(FeedItems::FeedId))
                .col(fk(FeedItems::StoryId))
                .col(text(FeedItems::Guid))
                .col(text_null(FeedItems::Url))
                .col(text(FeedItems::Title))
                .col(text_default(FeedItems::Author, ""))
                .col(text_default(FeedItems::SummaryHtml, ""))
                .col(time_null(FeedItems::PublishedAt))
                .col(time_null(FeedItems::UpdatedAt))
                .col(time(FeedItems::SeenAt))
                .col(text(FeedItems::ContentHash))
                // Whether the feed's include/exclude words let it into the inbox.
                .col(ColumnDef::new(FeedItems::Passed).boolean().not_null().default(true))
                .foreign_key(
                    ForeignKey::create()
                        .from(FeedItems::Table, FeedItems::FeedId)
                        .to(Feeds::Table, Feeds::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(FeedItems::Table, FeedItems::StoryId)
                        .to(Stories::Table, Stories::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("feed_items_guid")
                .table(FeedItems::Table)
                .col(FeedItems::FeedId)
                .col(FeedItems::Guid)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("feed_items_story")
                .table(FeedItems::Table)
                .col(FeedItems::StoryId)
                .to_owned(),
        )
        .await?;

        // Background work: one row per job, claimed with a lease so a crashed
        // worker's job is retried and two workers never hold the same one.
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(id(Jobs::Id))
                .col(text(Jobs::Kind))
                .col(text(Jobs::Key))
                .col(text_default(Jobs::Payload, "{}"))
                .col(time(Jobs::RunAt))
                .col(int(Jobs::Attempts))
                .col(text_null(Jobs::LockedBy))
                .col(time_null(Jobs::LockedUntil))
                .col(text_null(Jobs::LastError))
                .col(time(Jobs::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_kind_key")
                .table(Jobs::Table)
                .col(Jobs::Kind)
                .col(Jobs::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_due")
                .table(Jobs::Table)
                .col(Jobs::RunAt)
                .to_owned(),
        )
        .await?;

        // Where a post came from. SQLite can add a column with a reference
        // only through the column's own clause, so the references are spelt there.
        for (column, extra) in [
            (Posts::SourceFeedId, "REFERENCES feeds (id) ON DELETE SET NULL"),
            (Posts::StoryId, "REFERENCES stories (id) ON DELETE SET NULL"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(ColumnDef::new(column).big_integer().null().extra(extra))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .add_column(ColumnDef::new(Posts::CanonicalUrl).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_canonical_url")
                .table(Posts::Table)
                .col(Posts::CanonicalUrl)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_story")
                .table(Posts::Table)
                .col(Posts::StoryId)
                .to_owned(),
        )
        .await
    }
}
