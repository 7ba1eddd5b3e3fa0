//! Replies in a thread: listing oldest-first with quotes, adding, editing, soft-deleting.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, JoinType, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set, TransactionTrait,
};

use super::audit;
use super::mentions;
use super::notifications;
use super::outbox::{self, Changed};
use super::reactions::{self, Tally};
use super::users::PersonChip;
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::markdown;
use crate::domain::policy::{self, Actor, ContentFacts, Deletion};
use crate::domain::time::{When, now};
use crate::entities::{post, reply, user};

/// The reply a reply quotes, as shown above it.
#[derive(Debug, Clone)]
pub struct Quote {
    pub reply_id: i64,
    pub author_name: String,
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct ReplyView {
    pub id: i64,
    pub author: PersonChip,
    pub body_html: String,
    pub created: When,
    pub edited: Option<When>,
    /// Deleted, or hidden from this viewer: a notice takes its place.
    pub deleted: bool,
    /// When and by whom, if deleted (not merely hidden).
    pub deletion: Option<Deletion>,
    /// Hidden by a moderator, with their reason: the author and moderators
    /// still read it, marked; everyone else sees a notice.
    pub hidden: Option<String>,
    pub quote: Option<Quote>,
    pub reactions: Vec<Tally>,
    pub facts: ContentFacts,
}

#[derive(Clone, FromQueryResult)]
struct Row {
    id: i64,
    author_id: i64,
    author_name: String,
    author_handle: String,
    quote_of: Option<i64>,
    body_html: String,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    deleted_by: Option<i64>,
    hidden_at: Option<DateTime<Utc>>,
    hidden_reason: Option<String>,
    quote_md: Option<String>,
    quote_deleted_at: Option<DateTime<Utc>>,
    quote_hidden_at: Option<DateTime<Utc>>,
    quote_author: Option<String>,
    /// The reply's reactions, as `reactions::as_json` reads them.
    reactions: reactions::Reactions,
}

/// A thread's replies as read, before they are shown to a reader at a
/// moment: what `thread_pages` keeps while nothing in the thread changes.
#[derive(Clone)]
pub struct ThreadReplies(Vec<Row>);

/// Every reply in a thread with what it quotes and its reactions, oldest
/// first, in one statement (deleted ones stay, as notices).
pub async fn in_thread(db: &impl ConnectionTrait, post_id: i64) -> Result<ThreadReplies, sea_orm::DbErr> {
    use reply::Column as R;
    let (r, u, q, qu) = (Alias::new("r"), Alias::new("u"), Alias::new("q"), Alias::new("qu"));
    let col = |table: &Alias, column: R| Expr::col((table.clone(), column));
    let named = |table: &Alias, column: &str| Expr::col((table.clone(), Alias::new(column)));
    let backend = db.get_database_backend();
    let reactions = reactions::as_json(backend, reactions::On::Replies, "r.id");
    let query = Query::select()
        .columns(
            [
                R::Id,
                R::AuthorId,
                R::QuoteOf,
                R::BodyHtml,
                R::CreatedAt,
                R::EditedAt,
                R::DeletedAt,
                R::DeletedBy,
                R::HiddenAt,
                R::HiddenReason,
            ]
            .map(|column| (r.clone(), column)),
        )
        .expr_as(named(&u, "name"), Alias::new("author_name"))
        .expr_as(named(&u, "handle"), Alias::new("author_handle"))
        .expr_as(col(&q, R::BodyMd), Alias::new("quote_md"))
        .expr_as(col(&q, R::DeletedAt), Alias::new("quote_deleted_at"))
        .expr_as(col(&q, R::HiddenAt), Alias::new("quote_hidden_at"))
        .expr_as(named(&qu, "name"), Alias::new("quote_author"))
        // An ordered JSON aggregate, which sea-query has no words for.
        .expr_as(Expr::cust(reactions), Alias::new("reactions"))
        .from_as(reply::Entity, r.clone())
        .join_as(
            JoinType::InnerJoin,
            user::Entity,
            u.clone(),
            named(&u, "id").equals((r.clone(), R::AuthorId)),
        )
        .join_as(
            JoinType::LeftJoin,
            reply::Entity,
            q.clone(),
            col(&q, R::Id).equals((r.clone(), R::QuoteOf)),
        )
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            qu.clone(),
            named(&qu, "id").equals((q, R::AuthorId)),
        )
        .and_where(col(&r, R::PostId).eq(post_id))
        .order_by((r.clone(), R::CreatedAt), Order::Asc)
        .order_by((r, R::Id), Order::Asc)
        .to_owned();
    let rows = Row::find_by_statement(backend.build(&query)).all(db).await?;
    Ok(ThreadReplies(rows))
}

impl ThreadReplies {
    /// The replies as `viewer` sees them now; deleted ones stay as notices.
    pub fn views(&self, viewer: &Actor) -> Result<Vec<ReplyView>, sea_orm::DbErr> {
        self.0.iter().map(|r| view(r, viewer)).collect()
    }
}

fn view(r: &Row, viewer: &Actor) -> Result<ReplyView, sea_orm::DbErr> {
    let facts = ContentFacts {
        author_id: r.author_id,
        deleted: r.deleted_at.is_some(),
        hidden: r.hidden_at.is_some(),
        scheduled: false,
    };
    let shown_hidden = facts.hidden && policy::can_see_hidden(viewer, &facts);
    let deleted = facts.deleted || (facts.hidden && !shown_hidden);
    Ok(ReplyView {
        id: r.id,
        author: PersonChip::new(r.author_id, r.author_name.clone(), r.author_handle.clone()),
        body_html: if deleted { String::new() } else { r.body_html.clone() },
        created: When::new(r.created_at),
        edited: r.edited_at.map(When::new),
        deleted,
        deletion: r.deleted_at.map(|at| Deletion { at, by: r.deleted_by }),
        hidden: shown_hidden.then(|| r.hidden_reason.clone().unwrap_or_default()),
        quote: r.quote_of.map(|qid| {
            let gone = r.quote_deleted_at.is_some() || r.quote_hidden_at.is_some();
            Quote {
                reply_id: qid,
                author_name: r.quote_author.clone().unwrap_or_default(),
                excerpt: if gone {
                    String::new()
                } else {
                    markdown::excerpt(r.quote_md.as_deref().unwrap_or_default(), 280)
                },
                deleted: gone,
            }
        }),
        reactions: r.reactions.tallies(viewer.user_id),
        facts,
    })
}

/// A reply with what editing and the policy need.
#[derive(Debug, Clone)]
pub struct Reply {
    pub id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub body_md: String,
    pub deleted: bool,
    pub deletion: Option<Deletion>,
    pub hidden: bool,
}

impl Reply {
    pub fn facts(&self) -> ContentFacts {
        ContentFacts {
            author_id: self.author_id,
            deleted: self.deleted,
            hidden: self.hidden,
            scheduled: false,
        }
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Reply>, sea_orm::DbErr> {
    Ok(reply::Entity::find_by_id(id).one(db).await?.map(|m| Reply {
        id: m.id,
        post_id: m.post_id,
        author_id: m.author_id,
        body_md: m.body_md,
        deleted: m.deleted_at.is_some(),
        deletion: m.deleted_at.map(|at| Deletion { at, by: m.deleted_by }),
        hidden: m.hidden_at.is_some(),
    }))
}

/// A short quote of a reply for the reply form ("Replying to …").
pub async fn quote_of(db: &impl ConnectionTrait, post_id: i64, reply_id: i64) -> Result<Option<Quote>, sea_orm::DbErr> {
    let Some(r) = reply::Entity::find_by_id(reply_id)
        .filter(reply::Column::PostId.eq(post_id))
        .filter(reply::Column::DeletedAt.is_null())
        .filter(reply::Column::HiddenAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let author = crate::entities::user::Entity::find_by_id(r.author_id).one(db).await?;
    Ok(Some(Quote {
        reply_id: r.id,
        author_name: author.map(|a| a.name).unwrap_or_default(),
        excerpt: markdown::excerpt(&r.body_md, 280),
        deleted: false,
    }))
}

/// Add a reply (optionally quoting an earlier reply in the same thread).
pub async fn create(
    db: &impl TransactionTrait,
    post_id: i64,
    author_id: i64,
    body_md: &str,
    quote_of: Option<i64>,
) -> Result<i64, sea_orm::DbErr> {
    create_at(db, post_id, author_id, body_md, quote_of, now()).await
}

pub async fn create_at(
    db: &impl TransactionTrait,
    post_id: i64,
    author_id: i64,
    body_md: &str,
    quote_of: Option<i64>,
    at: DateTime<Utc>,
) -> Result<i64, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    // A quote must point into the same thread; anything else is dropped.
    let quote_of = match quote_of {
        Some(q) => reply::Entity::find_by_id(q)
            .filter(reply::Column::PostId.eq(post_id))
            .one(&txn)
            .await?
            .map(|r| r.id),
        None => None,
    };
    let rendered = mentions::render(&txn, body_md).await?;
    let model = reply::ActiveModel {
        post_id: Set(post_id),
        author_id: Set(author_id),
        quote_of: Set(quote_of),
        body_md: Set(body_md.to_owned()),
        body_html: Set(rendered.html),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    post::Entity::update_many()
        .col_expr(post::Column::ReplyCount, Expr::col(post::Column::ReplyCount).add(1))
        .col_expr(post::Column::LastActivityAt, Expr::value(at))
        .filter(post::Column::Id.eq(post_id))
        .exec(&txn)
        .await?;
    mentions::replace(&txn, post_id, Some(model.id), author_id, &rendered.mentioned).await?;
    notifications::reply_added(&txn, post_id, model.id, author_id, body_md, &rendered.mentioned).await?;
    outbox::push(&txn, Changed::Reply(model.id)).await?;
    txn.commit().await?;
    Ok(model.id)
}

pub async fn edit(db: &impl TransactionTrait, reply: &Reply, body_md: &str) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let rendered = mentions::render(&txn, body_md).await?;
    reply::ActiveModel {
        id: Set(reply.id),
        body_md: Set(body_md.to_owned()),
        body_html: Set(rendered.html),
        edited_at: Set(Some(now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    mentions::replace(
        &txn,
        reply.post_id,
        Some(reply.id),
        reply.author_id,
        &rendered.mentioned,
    )
    .await?;
    notifications::mentioned(
        &txn,
        reply.post_id,
        Some(reply.id),
        reply.author_id,
        body_md,
        &rendered.mentioned,
    )
    .await?;
    outbox::push(&txn, Changed::Reply(reply.id)).await?;
    txn.commit().await?;
    Ok(())
}

/// Soft-delete a reply; the thread keeps a notice in its place.
pub async fn delete(db: &impl TransactionTrait, actor: &Actor, reply: &Reply) -> Result<(), sea_orm::DbErr> {
    set_deleted(db, actor, reply, true).await
}

/// Bring a deleted reply back (see `policy::may_restore`).
pub async fn restore(db: &impl TransactionTrait, actor: &Actor, reply: &Reply) -> Result<(), sea_orm::DbErr> {
    set_deleted(db, actor, reply, false).await
}

/// Delete or restore, keeping the post's reply count, with the search
/// outbox row and (when someone other than the author does it) the audit row
/// in the same transaction.
async fn set_deleted(
    db: &impl TransactionTrait,
    actor: &Actor,
    reply: &Reply,
    deleted: bool,
) -> Result<(), sea_orm::DbErr> {
    let (at, by, action, counted) = if deleted {
        (Some(now()), Some(actor.user_id), AuditAction::ReplyDelete, -1)
    } else {
        (None, None, AuditAction::ReplyRestore, 1)
    };
    let txn = super::begin_write(db).await?;
    let changed = reply::Entity::update_many()
        .col_expr(reply::Column::DeletedAt, Expr::value(at))
        .col_expr(reply::Column::DeletedBy, Expr::value(by))
        .filter(reply::Column::Id.eq(reply.id))
        .filter(if deleted {
            reply::Column::DeletedAt.is_null()
        } else {
            reply::Column::DeletedAt.is_not_null()
        })
        .exec(&txn)
        .await?;
    if changed.rows_affected == 1 {
        let mut count = post::Entity::update_many()
            .col_expr(
                post::Column::ReplyCount,
                Expr::col(post::Column::ReplyCount).add(counted),
            )
            .filter(post::Column::Id.eq(reply.post_id));
        if deleted {
            count = count.filter(post::Column::ReplyCount.gt(0));
        }
        count.exec(&txn).await?;
    }
    outbox::push(&txn, Changed::Reply(reply.id)).await?;
    if actor.user_id != reply.author_id {
        audit::record(&txn, Some(actor.user_id), action, &AuditTarget::Reply(reply.id), "").await?;
    }
    txn.commit().await?;
    Ok(())
}
