//! Channels: listing, creating, following and archiving.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::outbox::{self, Changed};
use super::users::PersonChip;
use super::{audit, is_unique_violation};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::policy::{self, Actor, ChannelFacts, Visibility};
use crate::domain::slug::ChannelSlug;
use crate::domain::time::now;
use crate::entities::{channel, channel_follow, channel_member, post, user};

/// A channel as the policy and pages need it.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub archived: bool,
    /// Offered to email-only digest subscribers (only ever an open channel).
    pub digest_open: bool,
}

impl Channel {
    /// The facts the policy decides on, for this actor.
    pub fn facts(&self, actor: &Actor) -> ChannelFacts {
        facts(self.id, self.visibility, self.archived, actor)
    }
}

/// The one place a channel's policy facts are put together.
pub fn facts(channel_id: i64, visibility: Visibility, archived: bool, actor: &Actor) -> ChannelFacts {
    ChannelFacts {
        visibility,
        archived,
        is_member: actor.is_member_of(channel_id),
        is_manager: actor.manages(channel_id),
    }
}

impl From<channel::Model> for Channel {
    fn from(m: channel::Model) -> Self {
        Self {
            id: m.id,
            slug: m.slug,
            name: m.name,
            description: m.description,
            visibility: Visibility::parse(&m.visibility),
            archived: m.archived_at.is_some(),
            digest_open: m.digest_open,
        }
    }
}

/// A line in the channel directory.
#[derive(Debug, Clone)]
pub struct ChannelSummary {
    pub channel: Channel,
    pub follower_count: i64,
    pub post_count: i64,
    pub following: bool,
    /// The viewer may read it. A private channel listed to someone outside
    /// it shows its name and purpose only: its counts are zero here, so
    /// no page can show its activity.
    pub readable: bool,
}

#[derive(FromQueryResult)]
struct SummaryRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    visibility: String,
    archived_at: Option<DateTime<Utc>>,
    digest_open: bool,
    follower_count: i64,
    post_count: i64,
    following: i64,
}

/// Every channel the actor may see listed, by name, with counts.
pub async fn directory(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<ChannelSummary>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, Order, Query, SelectStatement, SimpleExpr};
    let (c, f, p) = (Alias::new("c"), Alias::new("f"), Alias::new("p"));
    let scalar = |select: SelectStatement| SimpleExpr::SubQuery(None, Box::new(select.into_sub_query_statement()));
    let followers = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from_as(channel_follow::Entity, f.clone())
        .and_where(Expr::col((f.clone(), channel_follow::Column::ChannelId)).equals((c.clone(), channel::Column::Id)))
        .to_owned();
    let following = followers
        .clone()
        .and_where(Expr::col((f, channel_follow::Column::UserId)).eq(actor.user_id))
        .to_owned();
    let live_posts = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from_as(post::Entity, p.clone())
        .and_where(Expr::col((p.clone(), post::Column::ChannelId)).equals((c.clone(), channel::Column::Id)))
        .and_where(Expr::col((p.clone(), post::Column::DeletedAt)).is_null())
        .and_where(Expr::col((p.clone(), post::Column::HiddenAt)).is_null())
        .and_where(Expr::col((p, post::Column::PublishedAt)).lte(now()))
        .to_owned();
    use channel::Column as C;
    let directory = Query::select()
        .columns(
            [
                C::Id,
                C::Slug,
                C::Name,
                C::Description,
                C::Visibility,
                C::ArchivedAt,
                C::DigestOpen,
            ]
            .map(|column| (c.clone(), column)),
        )
        .expr_as(scalar(followers), Alias::new("follower_count"))
        .expr_as(scalar(live_posts), Alias::new("post_count"))
        .expr_as(scalar(following), Alias::new("following"))
        .from_as(channel::Entity, c.clone())
        .order_by_expr(Func::lower(Expr::col((c.clone(), C::Name))).into(), Order::Asc)
        .order_by((c, C::Id), Order::Asc)
        .to_owned();
    let rows = SummaryRow::find_by_statement(db.get_database_backend().build(&directory))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let channel = Channel {
                id: r.id,
                slug: r.slug,
                name: r.name,
                description: r.description,
                visibility: Visibility::parse(&r.visibility),
                archived: r.archived_at.is_some(),
                digest_open: r.digest_open,
            };
            let facts = channel.facts(actor);
            if !policy::can_see_channel_listed(actor, &facts) {
                return None;
            }
            let readable = policy::can_read_channel(actor, &facts);
            Some(ChannelSummary {
                channel,
                follower_count: if readable { r.follower_count } else { 0 },
                post_count: if readable { r.post_count } else { 0 },
                following: readable && r.following > 0,
                readable,
            })
        })
        .collect())
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<Channel>, sea_orm::DbErr> {
    Ok(channel::Entity::find()
        .filter(channel::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(Channel::from))
}

/// What a channel's page stands on besides its posts.
#[derive(Clone)]
pub struct ChannelHead {
    pub channel: Channel,
    /// The channel's content stamp (see the `content_stamps` migration):
    /// it changes whenever anything its page shows does.
    pub content_stamp: i64,
    pub follower_count: u64,
    /// The posts pinned at its top, most recently pinned first (deleted,
    /// hidden or not-yet-published ones are left out; they stay pinned).
    pub pinned: Vec<i64>,
}

/// A channel with its content stamp, follower count and pins, in one statement.
pub async fn head_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<ChannelHead>, sea_orm::DbErr> {
    use sea_orm::Iterable;
    use sea_orm::sea_query::{Alias, Asterisk, Expr, Query, SimpleExpr};
    let (c, f) = (Alias::new("c"), Alias::new("f"));
    let backend = db.get_database_backend();
    let followers = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from_as(channel_follow::Entity, f.clone())
        .and_where(Expr::col((f, channel_follow::Column::ChannelId)).equals((c.clone(), channel::Column::Id)))
        .to_owned();
    // An ordered JSON aggregate, which sea-query has no words for.
    let pinned = super::json_array_of(
        backend,
        "k.post_id",
        "k.pinned_at DESC, k.post_id DESC",
        "FROM channel_pins k JOIN posts p ON p.id = k.post_id WHERE k.channel_id = c.id \
         AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at <= ?",
    );
    let query = Query::select()
        .columns(channel::Column::iter().map(|column| (c.clone(), column)))
        .expr_as(
            Expr::col((c.clone(), Alias::new("content_stamp"))),
            Alias::new("content_stamp"),
        )
        .expr_as(
            SimpleExpr::SubQuery(None, Box::new(followers.into_sub_query_statement())),
            Alias::new("follower_count"),
        )
        .expr_as(super::fragment(backend, &pinned, [now().into()]), Alias::new("pinned"))
        .from_as(channel::Entity, c.clone())
        .and_where(Expr::col((c, channel::Column::Slug)).eq(slug))
        .to_owned();
    let Some(row) = db.query_one(backend.build(&query)).await? else {
        return Ok(None);
    };
    let pinned: String = row.try_get("", "pinned")?;
    let pinned =
        serde_json::from_str(&pinned).map_err(|e| sea_orm::DbErr::Custom(format!("pins read as {pinned:?}: {e}")))?;
    let follower_count: i64 = row.try_get("", "follower_count")?;
    Ok(Some(ChannelHead {
        channel: channel::Model::from_query_result(&row, "")?.into(),
        content_stamp: row.try_get("", "content_stamp")?,
        follower_count: follower_count as u64,
        pinned,
    }))
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Channel>, sea_orm::DbErr> {
    Ok(channel::Entity::find_by_id(id).one(db).await?.map(Channel::from))
}

/// The channels a feed may draw on for someone.
pub struct Scope {
    /// Channels whose content they may read now.
    pub readable: Vec<i64>,
    /// Of those, the ones they follow.
    pub followed: Vec<i64>,
}

#[derive(FromQueryResult)]
struct ScopeRow {
    id: i64,
    visibility: String,
    archived_at: Option<DateTime<Utc>>,
}

/// A channel by name, as search results and suggestions show it.
#[derive(Debug, Clone)]
pub struct ChannelRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub private: bool,
}

/// What search may draw on for this actor, from one query: the channels
/// whose content they may read now, and the ids of every other channel.
pub struct SearchScope {
    pub readable: Vec<ChannelRef>,
    pub unreadable: Vec<i64>,
}

impl SearchScope {
    pub fn by_id(&self, id: i64) -> Option<&ChannelRef> {
        self.readable.iter().find(|c| c.id == id)
    }

    pub fn by_slug(&self, slug: &str) -> Option<&ChannelRef> {
        self.readable.iter().find(|c| c.slug == slug)
    }
}

pub async fn search_scope(db: &impl ConnectionTrait, actor: &Actor) -> Result<SearchScope, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        slug: String,
        name: String,
        visibility: String,
        archived_at: Option<DateTime<Utc>>,
    }
    use channel::Column as C;
    use sea_orm::sea_query::{Expr, Func, Order, Query};
    let every = Query::select()
        .columns([C::Id, C::Slug, C::Name, C::Visibility, C::ArchivedAt])
        .from(channel::Entity)
        .order_by_expr(Func::lower(Expr::col(C::Name)).into(), Order::Asc)
        .order_by(C::Id, Order::Asc)
        .to_owned();
    let rows = Row::find_by_statement(db.get_database_backend().build(&every))
        .all(db)
        .await?;
    let mut scope = SearchScope {
        readable: Vec::new(),
        unreadable: Vec::new(),
    };
    for r in rows {
        let visibility = Visibility::parse(&r.visibility);
        if policy::can_read_channel(actor, &facts(r.id, visibility, r.archived_at.is_some(), actor)) {
            scope.readable.push(ChannelRef {
                id: r.id,
                slug: r.slug,
                name: r.name,
                private: visibility.is_private(),
            });
        } else {
            scope.unreadable.push(r.id);
        }
    }
    Ok(scope)
}

/// Of the channels someone follows (as loaded with their session), the ones
/// they may read now.
pub fn followed_readable(actor: &Actor, follows: &[super::users::Followed]) -> Vec<i64> {
    let mut ids: Vec<i64> = follows
        .iter()
        .filter(|f| policy::can_read_channel(actor, &facts(f.channel_id, f.visibility, f.archived, actor)))
        .map(|f| f.channel_id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Ids of the channels whose content the actor may read now.
pub async fn readable_ids(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<i64>, sea_orm::DbErr> {
    let rows = channel::Entity::find()
        .select_only()
        .columns([
            channel::Column::Id,
            channel::Column::Visibility,
            channel::Column::ArchivedAt,
        ])
        .order_by_asc(channel::Column::Id)
        .into_model::<ScopeRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            policy::can_read_channel(
                actor,
                &facts(r.id, Visibility::parse(&r.visibility), r.archived_at.is_some(), actor),
            )
        })
        .map(|r| r.id)
        .collect())
}

pub struct NewChannel {
    pub slug: ChannelSlug,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    /// Who runs it: the administrator creating it, or the manager a channel
    /// request named. They follow it, and are a member if it is private.
    pub manager: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateChannelError {
    #[error("that address is already used by another channel")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Create a channel; its creator and its manager follow it (and are its
/// first members if it is private).
pub async fn create(db: &impl TransactionTrait, actor_id: i64, new: NewChannel) -> Result<Channel, CreateChannelError> {
    let txn = super::begin_write(db).await?;
    let at = now();
    let inserted = channel::ActiveModel {
        slug: Set(new.slug.as_str().to_owned()),
        name: Set(new.name.trim().to_owned()),
        description: Set(new.description.trim().to_owned()),
        visibility: Set(new.visibility.as_str().to_owned()),
        archived_at: Set(None),
        created_by: Set(Some(actor_id)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let model = match inserted {
        Ok(m) => m,
        Err(e) if is_unique_violation(&e) => return Err(CreateChannelError::SlugTaken),
        Err(e) => return Err(e.into()),
    };
    for person in [actor_id, new.manager] {
        follow(&txn, person, model.id).await?;
        if new.visibility != Visibility::Open {
            insert_member(&txn, model.id, person, Some(actor_id)).await?;
        }
    }
    super::groups::name_steward(&txn, model.id, new.manager, None, actor_id).await?;
    outbox::push(&txn, Changed::Channel(model.id)).await?;
    audit::record(
        &txn,
        Some(actor_id),
        AuditAction::ChannelCreate,
        &AuditTarget::Channel(model.id),
        &model.slug,
    )
    .await?;
    txn.commit().await?;
    Ok(model.into())
}

pub async fn follow(db: &impl ConnectionTrait, user_id: i64, channel_id: i64) -> Result<(), sea_orm::DbErr> {
    channel_follow::Entity::insert(channel_follow::ActiveModel {
        user_id: Set(user_id),
        channel_id: Set(channel_id),
        created_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([channel_follow::Column::UserId, channel_follow::Column::ChannelId])
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

pub async fn unfollow(db: &impl ConnectionTrait, user_id: i64, channel_id: i64) -> Result<(), sea_orm::DbErr> {
    channel_follow::Entity::delete_by_id((user_id, channel_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Archive (read-only, still findable) or bring back a channel.
pub async fn set_archived(
    db: &impl TransactionTrait,
    actor_id: i64,
    channel_id: i64,
    archived: bool,
) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    channel::ActiveModel {
        id: Set(channel_id),
        archived_at: Set(archived.then(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    outbox::push(&txn, Changed::Channel(channel_id)).await?;
    let action = if archived {
        AuditAction::ChannelArchive
    } else {
        AuditAction::ChannelUnarchive
    };
    audit::record(&txn, Some(actor_id), action, &AuditTarget::Channel(channel_id), "").await?;
    txn.commit().await?;
    Ok(())
}

/// The members of a private channel, by name.
pub async fn members(db: &impl ConnectionTrait, channel_id: i64) -> Result<Vec<PersonChip>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        name: String,
        handle: String,
    }
    use sea_orm::sea_query::{Alias, Expr, Func, JoinType, Order, Query};
    let (m, u) = (Alias::new("m"), Alias::new("u"));
    let members = Query::select()
        .columns([user::Column::Id, user::Column::Name, user::Column::Handle].map(|column| (u.clone(), column)))
        .from_as(channel_member::Entity, m.clone())
        .join_as(
            JoinType::InnerJoin,
            user::Entity,
            u.clone(),
            Expr::col((u.clone(), user::Column::Id)).equals((m.clone(), channel_member::Column::UserId)),
        )
        .and_where(Expr::col((m, channel_member::Column::ChannelId)).eq(channel_id))
        .order_by_expr(
            Func::lower(Expr::col((u.clone(), user::Column::Name))).into(),
            Order::Asc,
        )
        .order_by((u, user::Column::Id), Order::Asc)
        .to_owned();
    Ok(Row::find_by_statement(db.get_database_backend().build(&members))
        .all(db)
        .await?
        .into_iter()
        .map(|r| PersonChip::new(r.id, r.name, r.handle))
        .collect())
}

/// Make someone a member of a private channel, inside the caller's
/// transaction; false if they already were.
pub async fn insert_member(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    added_by: Option<i64>,
) -> Result<bool, sea_orm::DbErr> {
    let inserted = channel_member::Entity::insert(channel_member::ActiveModel {
        channel_id: Set(channel_id),
        user_id: Set(user_id),
        added_by: Set(added_by),
        added_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([channel_member::Column::ChannelId, channel_member::Column::UserId])
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(_)))
}

/// Add someone to a private channel. False if they already were a member.
/// Membership is checked when content is read or searched, so nothing needs reindexing.
pub async fn add_member(
    db: &impl TransactionTrait,
    actor_id: i64,
    channel_id: i64,
    user_id: i64,
) -> Result<bool, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let added = insert_member(&txn, channel_id, user_id, Some(actor_id)).await?;
    if added {
        audit::record(
            &txn,
            Some(actor_id),
            AuditAction::ChannelMemberAdd,
            &AuditTarget::Channel(channel_id),
            &format!("user:{user_id}"),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(added)
}

/// Take someone out of a private channel inside the caller's transaction:
/// their membership, their follow, and any part they had in running it
/// end together. False if they were not a member.
pub async fn delete_member(db: &impl ConnectionTrait, channel_id: i64, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    let removed = channel_member::Entity::delete_by_id((channel_id, user_id))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if removed {
        unfollow(db, user_id, channel_id).await?;
        super::groups::remove_steward(db, channel_id, user_id).await?;
    }
    Ok(removed)
}

/// A channel's name and purpose, changed inside the caller's transaction
/// (its content is re-indexed under the new name).
pub async fn rename(
    db: &impl ConnectionTrait,
    channel_id: i64,
    name: &str,
    description: &str,
) -> Result<(), sea_orm::DbErr> {
    channel::ActiveModel {
        id: Set(channel_id),
        name: Set(name.trim().to_owned()),
        description: Set(description.trim().to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    outbox::push(db, Changed::Channel(channel_id)).await?;
    Ok(())
}

/// Open a channel up or make it private. Its content is re-indexed (the
/// index marks private content), in the same transaction as the change.
/// A channel made private stops being offered to email-only subscribers,
/// in that transaction too: making it open again does not offer it again.
pub async fn set_visibility(
    db: &impl TransactionTrait,
    actor_id: i64,
    channel_id: i64,
    visibility: Visibility,
) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let was_offered = channel::Entity::find_by_id(channel_id)
        .one(&txn)
        .await?
        .is_some_and(|c| c.digest_open);
    let withdrawn = was_offered && visibility.is_private();
    channel::ActiveModel {
        id: Set(channel_id),
        visibility: Set(visibility.as_str().to_owned()),
        digest_open: if visibility.is_private() { Set(false) } else { NotSet },
        ..Default::default()
    }
    .update(&txn)
    .await?;
    if withdrawn {
        audit::record(
            &txn,
            Some(actor_id),
            AuditAction::ChannelDigestOpen,
            &AuditTarget::Channel(channel_id),
            "no: made private",
        )
        .await?;
    }
    if visibility != Visibility::Open {
        insert_member(&txn, channel_id, actor_id, Some(actor_id)).await?;
    }
    outbox::push(&txn, Changed::ChannelAccess(channel_id)).await?;
    audit::record(
        &txn,
        Some(actor_id),
        AuditAction::ChannelVisibility,
        &AuditTarget::Channel(channel_id),
        visibility.as_str(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Offer an open channel to email-only digest subscribers, or stop; inside
/// the caller's transaction (the service records who did it in the same one).
pub async fn set_digest_open(db: &impl ConnectionTrait, channel_id: i64, open: bool) -> Result<(), sea_orm::DbErr> {
    channel::ActiveModel {
        id: Set(channel_id),
        digest_open: Set(open),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
