//! What the search index is built from: posts, replies and channels read
//! back as search documents (only what may appear in results: nothing
//! deleted, hidden or not yet published), and the outbox that says what
//! changed since the index last looked.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use super::sql;
use crate::domain::markdown;
use crate::domain::policy::Visibility;
use crate::domain::post::PostKind;
use crate::domain::search::{DocKind, SearchDoc};
use crate::domain::time::now;

#[derive(FromQueryResult)]
struct PostRow {
    id: i64,
    channel_id: i64,
    author_id: i64,
    kind: String,
    title: String,
    url: Option<String>,
    url_domain: Option<String>,
    body_md: String,
    published_at: DateTime<Utc>,
    visibility: String,
    feed: Option<String>,
}

const POSTS: &str = "SELECT p.id, p.channel_id, p.author_id, p.kind, p.title, p.url, p.url_domain, p.body_md, \
    p.published_at, c.visibility, p.source_feed_title AS feed \
    FROM posts p JOIN channels c ON c.id = p.channel_id \
    WHERE p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at <= ?";

impl From<PostRow> for SearchDoc {
    fn from(r: PostRow) -> Self {
        let (body, has_link) = markdown::plain_text(&r.body_md);
        SearchDoc {
            kind: PostKind::from_stored(&r.kind).into(),
            id: r.id,
            thread_id: r.id,
            channel_id: r.channel_id,
            private: Visibility::parse(&r.visibility).is_private(),
            author_id: r.author_id,
            at: r.published_at,
            title: r.title,
            body,
            context: String::new(),
            url: r.url,
            domain: r.url_domain,
            feed: r.feed,
            has_link,
        }
    }
}

#[derive(FromQueryResult)]
struct ReplyRow {
    id: i64,
    post_id: i64,
    author_id: i64,
    body_md: String,
    created_at: DateTime<Utc>,
    channel_id: i64,
    post_title: String,
    visibility: String,
}

const REPLIES: &str = "SELECT r.id, r.post_id, r.author_id, r.body_md, r.created_at, p.channel_id, \
    p.title AS post_title, c.visibility \
    FROM replies r JOIN posts p ON p.id = r.post_id JOIN channels c ON c.id = p.channel_id \
    WHERE r.deleted_at IS NULL AND r.hidden_at IS NULL \
    AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at <= ?";

impl From<ReplyRow> for SearchDoc {
    fn from(r: ReplyRow) -> Self {
        let (body, has_link) = markdown::plain_text(&r.body_md);
        SearchDoc {
            kind: DocKind::Reply,
            id: r.id,
            thread_id: r.post_id,
            channel_id: r.channel_id,
            private: Visibility::parse(&r.visibility).is_private(),
            author_id: r.author_id,
            at: r.created_at,
            title: String::new(),
            body,
            context: r.post_title,
            url: None,
            domain: None,
            feed: None,
            has_link,
        }
    }
}

#[derive(FromQueryResult)]
struct ChannelRow {
    id: i64,
    name: String,
    description: String,
    visibility: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
}

const CHANNELS: &str = "SELECT c.id, c.name, c.description, c.visibility, c.created_by, c.created_at FROM channels c";

impl From<ChannelRow> for SearchDoc {
    fn from(r: ChannelRow) -> Self {
        SearchDoc {
            kind: DocKind::Channel,
            id: r.id,
            thread_id: 0,
            channel_id: r.id,
            private: Visibility::parse(&r.visibility).is_private(),
            author_id: r.created_by.unwrap_or_default(),
            at: r.created_at,
            title: r.name,
            body: r.description,
            context: String::new(),
            url: None,
            domain: None,
            feed: None,
            has_link: false,
        }
    }
}

async fn posts_where(db: &impl ConnectionTrait, filter: &str, values: Vec<Value>) -> Result<Vec<SearchDoc>, DbErr> {
    let mut all: Vec<Value> = vec![now().into()];
    all.extend(values);
    let rows = PostRow::find_by_statement(sql(db, &format!("{POSTS} {filter}"), all))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(SearchDoc::from).collect())
}

async fn replies_where(db: &impl ConnectionTrait, filter: &str, values: Vec<Value>) -> Result<Vec<SearchDoc>, DbErr> {
    let mut all: Vec<Value> = vec![now().into()];
    all.extend(values);
    let rows = ReplyRow::find_by_statement(sql(db, &format!("{REPLIES} {filter}"), all))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(SearchDoc::from).collect())
}

/// A post and its replies, as they may appear in results now (none if the
/// post is gone, hidden or scheduled for later).
pub async fn thread(db: &impl ConnectionTrait, post_id: i64) -> Result<Vec<SearchDoc>, DbErr> {
    let mut docs = posts_where(db, "AND p.id = ?", vec![post_id.into()]).await?;
    if !docs.is_empty() {
        docs.extend(replies_where(db, "AND r.post_id = ? ORDER BY r.id", vec![post_id.into()]).await?);
    }
    Ok(docs)
}

pub async fn reply(db: &impl ConnectionTrait, reply_id: i64) -> Result<Option<SearchDoc>, DbErr> {
    Ok(replies_where(db, "AND r.id = ?", vec![reply_id.into()])
        .await?
        .into_iter()
        .next())
}

pub async fn channel(db: &impl ConnectionTrait, channel_id: i64) -> Result<Option<SearchDoc>, DbErr> {
    Ok(
        ChannelRow::find_by_statement(sql(db, &format!("{CHANNELS} WHERE c.id = ?"), vec![channel_id.into()]))
            .one(db)
            .await?
            .map(SearchDoc::from),
    )
}

/// Which rows a bulk read walks.
#[derive(Debug, Clone, Copy)]
pub enum Walk {
    /// Every post, reply and channel.
    Everything,
    /// One channel's posts and replies.
    Channel(i64),
}

/// One page of a bulk read: its documents, and the id the next page starts
/// after (`None`: the walk is over).
pub struct Page {
    pub docs: Vec<SearchDoc>,
    pub next: Option<i64>,
}

/// What a walk reads: posts, then replies.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    Posts,
    Replies,
}

impl Rows {
    /// The table, and its alias in the query.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Rows::Posts => ("posts", "p"),
            Rows::Replies => ("replies", "r"),
        }
    }

    async fn read(self, db: &impl ConnectionTrait, filter: &str, values: Vec<Value>) -> Result<Vec<SearchDoc>, DbErr> {
        match self {
            Rows::Posts => posts_where(db, filter, values).await,
            Rows::Replies => replies_where(db, filter, values).await,
        }
    }
}

/// The next page of a walk over `rows` after `after_id` (by id).
///
/// A walk over everything reads the ids in `(after_id, after_id + limit]`: a
/// primary-key range, which no planner turns into more. With `ORDER BY id
/// LIMIT` instead, PostgreSQL planned each page, after a bulk load had left
/// the table without statistics, as a scan of every later row and a sort
/// (0.2 s a page at 140,000 posts). A channel's walk reads its next `limit` rows.
pub async fn page(db: &impl ConnectionTrait, rows: Rows, walk: Walk, after_id: i64, limit: u64) -> Result<Page, DbErr> {
    let (table, alias) = rows.table();
    match walk {
        Walk::Everything => {
            let upto = after_id.saturating_add(limit as i64);
            let docs = rows
                .read(
                    db,
                    &format!("AND {alias}.id > ? AND {alias}.id <= ? ORDER BY {alias}.id"),
                    vec![after_id.into(), upto.into()],
                )
                .await?;
            let next = (upto < last_id(db, table).await?).then_some(upto);
            Ok(Page { docs, next })
        }
        Walk::Channel(channel) => {
            let docs = rows
                .read(
                    db,
                    &format!("AND p.channel_id = ? AND {alias}.id > ? ORDER BY {alias}.id LIMIT ?"),
                    vec![channel.into(), after_id.into(), (limit as i64).into()],
                )
                .await?;
            let next = docs.last().map(|d| d.id);
            Ok(Page { docs, next })
        }
    }
}

/// The highest id in `table` now (0 when empty).
async fn last_id(db: &impl ConnectionTrait, table: &str) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Last {
        id: i64,
    }
    let row = Last::find_by_statement(sql(
        db,
        &format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"),
        vec![],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.id))
}

pub async fn all_channels(db: &impl ConnectionTrait) -> Result<Vec<SearchDoc>, DbErr> {
    Ok(
        ChannelRow::find_by_statement(sql(db, &format!("{CHANNELS} ORDER BY c.id"), vec![]))
            .all(db)
            .await?
            .into_iter()
            .map(SearchDoc::from)
            .collect(),
    )
}

/// How many documents a full rebuild will read, roughly (for a progress bar).
pub async fn count_everything(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let row = Count::find_by_statement(sql(
        db,
        "SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM replies) + (SELECT COUNT(*) FROM channels) AS n",
        vec![],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.n.max(0) as u64))
}

/// One change waiting for the index.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OutboxRow {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub created_at: DateTime<Utc>,
}

/// Changes with ids in `(after, before)`, oldest first, at most `limit`.
pub async fn outbox_between(
    db: &impl ConnectionTrait,
    after: i64,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<OutboxRow>, DbErr> {
    let mut values: Vec<Value> = vec![after.into()];
    let upper = match before {
        Some(b) => {
            values.push(b.into());
            " AND id < ?"
        }
        None => "",
    };
    values.push((limit as i64).into());
    OutboxRow::find_by_statement(sql(
        db,
        &format!("SELECT id, entity, entity_id, created_at FROM search_outbox WHERE id > ?{upper} ORDER BY id LIMIT ?"),
        values,
    ))
    .all(db)
    .await
}

/// The newest change's id (0 when there is none).
pub async fn outbox_head(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    outbox_end(db, "MAX").await
}

/// The oldest change still in the outbox (0 when it is empty).
pub async fn outbox_tail(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    outbox_end(db, "MIN").await
}

async fn outbox_end(db: &impl ConnectionTrait, which: &str) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct End {
        id: Option<i64>,
    }
    let text = format!("SELECT {which}(id) AS id FROM search_outbox");
    Ok(End::find_by_statement(sql(db, &text, vec![]))
        .one(db)
        .await?
        .and_then(|e| e.id)
        .unwrap_or(0))
}

/// Where a rebuild that starts now should replay the outbox from: a little
/// before the newest change, so a transaction still open while the rebuild
/// reads (its outbox id already taken, its rows not yet visible) is replayed
/// afterwards. Replaying a change twice is harmless: the indexer re-reads rows.
pub async fn outbox_replay_point(db: &impl ConnectionTrait, margin: chrono::Duration) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Head {
        id: Option<i64>,
    }
    Ok(Head::find_by_statement(sql(
        db,
        "SELECT MAX(id) AS id FROM search_outbox WHERE created_at < ?",
        vec![(now() - margin).into()],
    ))
    .one(db)
    .await?
    .and_then(|h| h.id)
    .unwrap_or(0))
}

/// Forget changes older than `keep`, always keeping the newest one (so the
/// outbox's ids keep counting up, and an index that has not looked for longer
/// than `keep` notices that it missed some and rebuilds).
pub async fn prune_outbox(db: &impl ConnectionTrait, keep: chrono::Duration) -> Result<u64, DbErr> {
    Ok(db
        .execute(sql(
            db,
            "DELETE FROM search_outbox WHERE created_at < ? AND id < (SELECT MAX(id) FROM search_outbox)",
            vec![(now() - keep).into()],
        ))
        .await?
        .rows_affected())
}
