//! What people share: channels, follows, posts, replies, reactions, mentions and the search outbox.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_content"
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
    Slug,
    Name,
    Description,
    Visibility,
    ArchivedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ChannelFollows {
    Table,
    ChannelId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    ChannelId,
    AuthorId,
    Kind,
    Title,
    Url,
    UrlDomain,
    BodyMd,
    BodyHtml,
    CreatedAt,
    PublishedAt,
    EditedAt,
    DeletedAt,
    DeletedBy,
    HiddenAt,
    ReplyCount,
    LastActivityAt,
}

#[derive(DeriveIden)]
enum Replies {
    Table,
    Id,
    PostId,
    AuthorId,
    QuoteOf,
    BodyMd,
    BodyHtml,
    CreatedAt,
    EditedAt,
    DeletedAt,
    DeletedBy,
    HiddenAt,
}

#[derive(DeriveIden)]
enum PostReactions {
    Table,
    PostId,
    UserId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReplyReactions {
    Table,
    ReplyId,
    UserId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    Id,
    UserId,
    PostId,
    ReplyId,
    AuthorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SearchOutbox {
    Table,
    Id,
    Entity,
    EntityId,
    CreatedAt,
}

fn cascade(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Channels::Table)
                .col(id(Channels::Id))
                .col(text(Channels::Slug).unique_key())
                .col(text(Channels::Name))
                .col(text_default(Channels::Description, ""))
                .col(text_default(Channels::Visibility, "open"))
                .col(time_null(Channels::ArchivedAt))
                .col(fk_null(Channels::CreatedBy))
                .col(time(Channels::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Channels::Table, Channels::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ChannelFollows::Table)
                .col(fk(ChannelFollows::UserId))
                .col(fk(ChannelFollows::ChannelId))
                .col(time(ChannelFollows::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(ChannelFollows::UserId)
                        .col(ChannelFollows::ChannelId),
                )
                .foreign_key(&mut cascade(
                    (ChannelFollows::Table, ChannelFollows::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut cascade(
                    (ChannelFollows::Table, ChannelFollows::ChannelId),
                    (Channels::Table, Channels::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("channel_follows_channel")
                .table(ChannelFollows::Table)
                .col(ChannelFollows::ChannelId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Posts::Table)
                .col(id(Posts::Id))
                .col(fk(Posts::ChannelId))
                .col(fk(Posts::AuthorId))
                .col(text(Posts::Kind))
                .col(text(Posts::Title))
                .col(text_null(Posts::Url))
                .col(text_null(Posts::UrlDomain))
                .col(text(Posts::BodyMd))
                .col(text(Posts::BodyHtml))
                .col(time(Posts::CreatedAt))
                .col(time(Posts::PublishedAt))
                .col(time_null(Posts::EditedAt))
                .col(time_null(Posts::DeletedAt))
                .col(fk_null(Posts::DeletedBy))
                .col(time_null(Posts::HiddenAt))
                .col(int(Posts::ReplyCount))
                .col(time(Posts::LastActivityAt))
                .foreign_key(&mut cascade(
                    (Posts::Table, Posts::ChannelId),
                    (Channels::Table, Channels::Id),
                ))
                .foreign_key(&mut cascade((Posts::Table, Posts::AuthorId), (Users::Table, Users::Id)))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_published")
                .table(Posts::Table)
                .col(Posts::PublishedAt)
                .col(Posts::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_channel_published")
                .table(Posts::Table)
                .col(Posts::ChannelId)
                .col(Posts::PublishedAt)
                .col(Posts::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("posts_author")
                .table(Posts::Table)
                .col(Posts::AuthorId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Replies::Table)
                .col(id(Replies::Id))
                .col(fk(Replies::PostId))
                .col(fk(Replies::AuthorId))
                .col(fk_null(Replies::QuoteOf))
                .col(text(Replies::BodyMd))
                .col(text(Replies::BodyHtml))
                .col(time(Replies::CreatedAt))
                .col(time_null(Replies::EditedAt))
                .col(time_null(Replies::DeletedAt))
                .col(fk_null(Replies::DeletedBy))
                .col(time_null(Replies::HiddenAt))
                .foreign_key(&mut cascade(
                    (Replies::Table, Replies::PostId),
                    (Posts::Table, Posts::Id),
                ))
                .foreign_key(&mut cascade(
                    (Replies::Table, Replies::AuthorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("replies_post")
                .table(Replies::Table)
                .col(Replies::PostId)
                .col(Replies::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PostReactions::Table)
                .col(fk(PostReactions::PostId))
                .col(fk(PostReactions::UserId))
                .col(text(PostReactions::Kind))
                .col(time(PostReactions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(PostReactions::PostId)
                        .col(PostReactions::UserId)
                        .col(PostReactions::Kind),
                )
                .foreign_key(&mut cascade(
                    (PostReactions::Table, PostReactions::PostId),
                    (Posts::Table, Posts::Id),
                ))
                .foreign_key(&mut cascade(
                    (PostReactions::Table, PostReactions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ReplyReactions::Table)
                .col(fk(ReplyReactions::ReplyId))
                .col(fk(ReplyReactions::UserId))
                .col(text(ReplyReactions::Kind))
                .col(time(ReplyReactions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(ReplyReactions::ReplyId)
                        .col(ReplyReactions::UserId)
                        .col(ReplyReactions::Kind),
                )
                .foreign_key(&mut cascade(
                    (ReplyReactions::Table, ReplyReactions::ReplyId),
                    (Replies::Table, Replies::Id),
                ))
                .foreign_key(&mut cascade(
                    (ReplyReactions::Table, ReplyReactions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Mentions::Table)
                .col(id(Mentions::Id))
                .col(fk(Mentions::UserId))
                .col(fk(Mentions::PostId))
                .col(fk_null(Mentions::ReplyId))
                .col(fk(Mentions::AuthorId))
                .col(time(Mentions::CreatedAt))
                .foreign_key(&mut cascade(
                    (Mentions::Table, Mentions::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut cascade(
                    (Mentions::Table, Mentions::PostId),
                    (Posts::Table, Posts::Id),
                ))
                .foreign_key(&mut cascade(
                    (Mentions::Table, Mentions::ReplyId),
                    (Replies::Table, Replies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("mentions_user")
                .table(Mentions::Table)
                .col(Mentions::UserId)
                .col(Mentions::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SearchOutbox::Table)
                .col(id(SearchOutbox::Id))
                .col(text(SearchOutbox::Entity))
                .col(fk(SearchOutbox::EntityId))
                .col(time(SearchOutbox::CreatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
