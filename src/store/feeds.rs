//! Feeds the curators follow: adding (with the first poll scheduled in the
//! same transaction), settings, health, and what each poll records.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::{is_unique_violation, jobs, sql};
use crate::domain::feed::{POLL_MINUTES_DEFAULT, SourceCredit, WordRules};
use crate::domain::job::Job;
use crate::domain::time::{When, now};
use crate::entities::feed;

/// A feed with its settings and health line.
#[derive(Debug, Clone)]
pub struct Feed {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
    pub folder: String,
    pub default_channel_id: Option<i64>,
    pub rules: WordRules,
    pub poll_minutes: i32,
    pub paused: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_polled: Option<When>,
    pub last_success: Option<When>,
    pub last_error: Option<String>,
    pub failures: i32,
    pub item_count: i32,
    /// When the next poll is due (none while paused).
    pub next_poll: Option<When>,
}

impl Feed {
    /// "last success 3 h ago · next poll in 57 min" and the like, in words.
    pub fn health(&self) -> String {
        let mut parts = Vec::new();
        if self.paused {
            parts.push("paused".to_owned());
        }
        match &self.last_success {
            Some(w) => parts.push(format!("last success {}", w.human())),
            None if self.last_polled.is_some() => parts.push("never fetched successfully".to_owned()),
            None => parts.push("not fetched yet".to_owned()),
        }
        if self.failures > 0 {
            let n = self.failures;
            parts.push(format!("{n} failure{} in a row", if n == 1 { "" } else { "s" }));
        }
        if let Some(next) = &self.next_poll {
            parts.push(format!("next poll {}", next.human()));
        }
        parts.join(" · ")
    }

    pub fn is_failing(&self) -> bool {
        self.failures > 0
    }

    pub fn include_text(&self) -> String {
        self.rules.include_text()
    }

    pub fn exclude_text(&self) -> String {
        self.rules.exclude_text()
    }
}

#[derive(FromQueryResult)]
struct FeedRow {
    id: i64,
    url: String,
    title: String,
    site_url: Option<String>,
    folder: String,
    default_channel_id: Option<i64>,
    include_words: String,
    exclude_words: String,
    poll_minutes: i32,
    paused_at: Option<DateTime<Utc>>,
    etag: Option<String>,
    last_modified: Option<String>,
    last_polled_at: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    failures: i32,
    item_count: i32,
    next_poll_at: Option<DateTime<Utc>>,
}

impl From<FeedRow> for Feed {
    fn from(r: FeedRow) -> Self {
        Feed {
            id: r.id,
            url: r.url,
            title: r.title,
            site_url: r.site_url,
            folder: r.folder,
            default_channel_id: r.default_channel_id,
            rules: WordRules::parse(&r.include_words, &r.exclude_words),
            poll_minutes: r.poll_minutes,
            paused: r.paused_at.is_some(),
            etag: r.etag,
            last_modified: r.last_modified,
            last_polled: r.last_polled_at.map(When::new),
            last_success: r.last_success_at.map(When::new),
            last_error: r.last_error,
            failures: r.failures,
            item_count: r.item_count,
            next_poll: r.next_poll_at.map(When::new),
        }
    }
}

const FEED_SELECT: &str = "SELECT f.id, f.url, f.title, f.site_url, f.folder, f.default_channel_id, f.include_words, \
    f.exclude_words, f.poll_minutes, f.paused_at, f.etag, f.last_modified, f.last_polled_at, f.last_success_at, \
    f.last_error, f.failures, f.item_count, j.run_at AS next_poll_at \
    FROM feeds f LEFT JOIN jobs j ON j.kind = ? AND j.key = CAST(f.id AS TEXT)";

/// The value for [`FEED_SELECT`]'s one parameter: the kind of job that polls a feed.
fn poll_kind() -> sea_orm::Value {
    Job::PollFeed(0).kind().into()
}

/// Every feed, by folder then title.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Feed>, sea_orm::DbErr> {
    let text = format!("{FEED_SELECT} ORDER BY f.folder, LOWER(f.title), f.id");
    Ok(FeedRow::find_by_statement(sql(db, &text, vec![poll_kind()]))
        .all(db)
        .await?
        .into_iter()
        .map(Feed::from)
        .collect())
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Feed>, sea_orm::DbErr> {
    let text = format!("{FEED_SELECT} WHERE f.id = ?");
    Ok(FeedRow::find_by_statement(sql(db, &text, vec![poll_kind(), id.into()]))
        .one(db)
        .await?
        .map(Feed::from))
}

/// How a post shared from this feed now credits it; `None` if there is no such feed.
pub async fn credit(db: &impl ConnectionTrait, id: i64) -> Result<Option<SourceCredit>, sea_orm::DbErr> {
    Ok(feed::Entity::find_by_id(id).one(db).await?.map(|m| SourceCredit {
        feed_id: m.id,
        title: m.title,
        site_url: m.site_url,
    }))
}

pub async fn id_by_url(db: &impl ConnectionTrait, url: &str) -> Result<Option<i64>, sea_orm::DbErr> {
    Ok(feed::Entity::find()
        .filter(feed::Column::Url.eq(url))
        .one(db)
        .await?
        .map(|m| m.id))
}

/// Folder names in use, sorted.
pub async fn folders(db: &impl ConnectionTrait) -> Result<Vec<String>, sea_orm::DbErr> {
    let mut names: Vec<String> = feed::Entity::find()
        .order_by_asc(feed::Column::Folder)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.folder)
        .filter(|f| !f.is_empty())
        .collect();
    names.dedup();
    Ok(names)
}

/// A feed to add.
#[derive(Debug, Clone)]
pub struct NewFeed {
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
    pub folder: String,
    pub default_channel_id: Option<i64>,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New(i64),
    /// The same URL is already followed.
    Exists(i64),
}

/// Add a feed and schedule its first poll, in one transaction.
pub async fn add(db: &DatabaseConnection, new: &NewFeed) -> Result<Added, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    if let Some(id) = id_by_url(&txn, &new.url).await? {
        return Ok(Added::Exists(id));
    }
    let at = now();
    let inserted = feed::ActiveModel {
        url: Set(new.url.clone()),
        title: Set(new.title.clone()),
        site_url: Set(new.site_url.clone()),
        folder: Set(new.folder.clone()),
        default_channel_id: Set(new.default_channel_id),
        include_words: Set(String::new()),
        exclude_words: Set(String::new()),
        poll_minutes: Set(POLL_MINUTES_DEFAULT),
        failures: Set(0),
        item_count: Set(0),
        created_by: Set(new.created_by),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let model = match inserted {
        Ok(m) => m,
        Err(e) if is_unique_violation(&e) => {
            // Another curator added it a moment ago.
            drop(txn);
            return Ok(Added::Exists(id_by_url(db, &new.url).await?.unwrap_or_default()));
        }
        Err(e) => return Err(e),
    };
    jobs::schedule(&txn, Job::PollFeed(model.id), at).await?;
    txn.commit().await?;
    Ok(Added::New(model.id))
}

/// What a curator can change about a feed.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub title: String,
    pub folder: String,
    pub default_channel_id: Option<i64>,
    pub rules: WordRules,
    pub poll_minutes: i32,
    pub paused: bool,
}

/// Save settings (inside the caller's transaction); pausing removes the poll
/// job, resuming schedules one now. False if there is no such feed.
pub async fn update(txn: &impl ConnectionTrait, id: i64, s: &FeedSettings) -> Result<bool, sea_orm::DbErr> {
    let Some(current) = feed::Entity::find_by_id(id).one(txn).await? else {
        return Ok(false);
    };
    let was_paused = current.paused_at.is_some();
    let mut model: feed::ActiveModel = current.into();
    model.title = Set(s.title.clone());
    model.folder = Set(s.folder.clone());
    model.default_channel_id = Set(s.default_channel_id);
    model.include_words = Set(s.rules.include_text());
    model.exclude_words = Set(s.rules.exclude_text());
    model.poll_minutes = Set(s.poll_minutes);
    if s.paused != was_paused {
        model.paused_at = Set(s.paused.then(now));
    }
    model.update(txn).await?;
    let poll = Job::PollFeed(id);
    if s.paused {
        jobs::remove(txn, poll).await?;
    } else if was_paused {
        jobs::schedule(txn, poll, now()).await?;
    } else {
        jobs::ensure(txn, poll, now()).await?;
    }
    Ok(true)
}

/// Stop following a feed: its items go, and inbox entries no other feed or
/// post keeps. Posts shared from it keep their credit (they carry its name).
pub async fn remove(db: &impl TransactionTrait, id: i64) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    jobs::remove(&txn, Job::PollFeed(id)).await?;
    feed::Entity::delete_by_id(id).exec(&txn).await?;
    super::inbox::remove_orphans(&txn).await?;
    txn.commit().await
}

/// A poll brought content (or "not modified"): clear the failure count.
pub async fn record_success(
    db: &impl ConnectionTrait,
    id: i64,
    etag: Option<&str>,
    last_modified: Option<&str>,
    site_url: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    let at = now();
    db.execute(sql(
        db,
        "UPDATE feeds SET last_polled_at = ?, last_success_at = ?, last_error = NULL, failures = 0, \
         etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), site_url = COALESCE(site_url, ?), \
         item_count = (SELECT COUNT(*) FROM feed_items i WHERE i.feed_id = feeds.id) WHERE id = ?",
        vec![
            at.into(),
            at.into(),
            etag.map(str::to_owned).into(),
            last_modified.map(str::to_owned).into(),
            site_url.map(str::to_owned).into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A poll failed: keep the reason in words and count it. Returns the failures in a row.
pub async fn record_failure(db: &impl ConnectionTrait, id: i64, error: &str) -> Result<u32, sea_orm::DbErr> {
    feed::Entity::update_many()
        .col_expr(feed::Column::LastPolledAt, Expr::value(now()))
        .col_expr(feed::Column::LastError, Expr::value(error))
        .col_expr(feed::Column::Failures, Expr::col(feed::Column::Failures).add(1))
        .filter(feed::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(feed::Entity::find_by_id(id)
        .one(db)
        .await?
        .map_or(1, |m| m.failures.max(0) as u32))
}

/// Every active feed's id (for "poll everything now").
pub async fn active_ids(db: &impl ConnectionTrait) -> Result<Vec<i64>, sea_orm::DbErr> {
    Ok(feed::Entity::find()
        .filter(feed::Column::PausedAt.is_null())
        .order_by_asc(feed::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}
