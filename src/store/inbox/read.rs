//! The curator's side of the inbox: a page of entries with the feeds that
//! brought each and where it was shared already, an entry to share, and a
//! feed's latest items.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use crate::domain::cursor::Cursor;
use crate::domain::time::{When, now};
use crate::store::{placeholders, sql};

pub const PAGE_SIZE: usize = 30;

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub feed_id: Option<i64>,
    pub folder: Option<String>,
    /// Words that must appear in the title or summary.
    pub words: Option<String>,
    /// Show dismissed entries (to restore them) instead of live ones.
    pub dismissed: bool,
}

/// One inbox entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub domain: Option<String>,
    pub summary_html: String,
    pub when: When,
    /// Every feed that brought it, first one first.
    pub feeds: Vec<FeedRef>,
    /// Where it has already been shared (channels the viewer may read).
    pub shared: Vec<SharedIn>,
}

impl Entry {
    pub fn feed_names(&self) -> String {
        self.feeds.first().map(|f| f.title.clone()).unwrap_or_default()
    }

    /// "also in: A, B" beyond the first feed.
    pub fn also_in(&self) -> String {
        self.feeds
            .iter()
            .skip(1)
            .map(|f| f.title.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn share_href(&self) -> String {
        format!("/share?item={}", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct FeedRef {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct SharedIn {
    pub post_id: i64,
    pub channel_slug: String,
    pub author_name: String,
    pub when: When,
}

pub struct Page {
    pub entries: Vec<Entry>,
    pub next: Option<Cursor>,
}

#[derive(FromQueryResult)]
struct StoryRow {
    id: i64,
    url: Option<String>,
    title: String,
    summary_html: String,
    sort_at: DateTime<Utc>,
}

/// One page of the inbox, newest first: entries younger than `max_age` that
/// some feed let through its word rules and nobody has dismissed.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    before: Option<Cursor>,
    max_age: Duration,
    readable_channels: &[i64],
) -> Result<Page, DbErr> {
    let mut values: Vec<Value> = Vec::new();
    // A story's summary is the one its first item brought.
    let mut text = String::from(
        "SELECT s.id, s.url, s.title, COALESCE((SELECT fi.summary_html FROM feed_items fi \
         WHERE fi.story_id = s.id ORDER BY fi.id LIMIT 1), '') AS summary_html, s.sort_at \
         FROM stories s WHERE s.dismissed_at IS ",
    );
    text.push_str(if filter.dismissed { "NOT NULL" } else { "NULL" });
    text.push_str(" AND s.sort_at >= ?");
    values.push((now() - max_age).into());
    if let Some(c) = before {
        text.push_str(" AND (s.sort_at < ? OR (s.sort_at = ? AND s.id < ?))");
        values.extend([c.at.into(), c.at.into(), c.id.into()]);
    }
    // Some item of the story that its feed's rules let through, from the
    // chosen feed or folder, holding every word asked for.
    text.push_str(
        " AND EXISTS (SELECT 1 FROM feed_items i JOIN feeds f ON f.id = i.feed_id \
         WHERE i.story_id = s.id AND i.passed = ?",
    );
    values.push(true.into());
    if let Some(feed) = filter.feed_id {
        text.push_str(" AND i.feed_id = ?");
        values.push(feed.into());
    }
    if let Some(folder) = &filter.folder {
        text.push_str(" AND f.folder = ?");
        values.push(folder.clone().into());
    }
    if let Some(words) = &filter.words {
        for word in words.split_whitespace().take(8) {
            let like = format!("%{}%", word.to_lowercase().replace(['%', '_'], ""));
            text.push_str(" AND (LOWER(i.title) LIKE ? OR LOWER(i.summary_html) LIKE ?)");
            values.extend([like.clone().into(), like.into()]);
        }
    }
    text.push(')');
    text.push_str(" ORDER BY s.sort_at DESC, s.id DESC LIMIT ?");
    values.push(((PAGE_SIZE + 1) as i64).into());
    let mut rows = StoryRow::find_by_statement(sql(db, &text, values)).all(db).await?;
    let next = if rows.len() > PAGE_SIZE {
        rows.truncate(PAGE_SIZE);
        rows.last().map(|r| Cursor::new(r.sort_at, r.id))
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut feeds = feeds_of(db, &ids).await?;
    let mut shared = shared_in(db, &rows, readable_channels).await?;
    let entries = rows
        .into_iter()
        .map(|r| Entry {
            feeds: feeds.remove(&r.id).unwrap_or_default(),
            shared: shared.remove(&r.id).unwrap_or_default(),
            domain: r
                .url
                .as_deref()
                .and_then(|u| crate::domain::post::LinkUrl::parse(u).ok())
                .map(|l| l.domain()),
            id: r.id,
            title: r.title,
            url: r.url,
            summary_html: r.summary_html,
            when: When::new(r.sort_at),
        })
        .collect();
    Ok(Page { entries, next })
}

async fn feeds_of(db: &impl ConnectionTrait, story_ids: &[i64]) -> Result<HashMap<i64, Vec<FeedRef>>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        story_id: i64,
        feed_id: i64,
        title: String,
    }
    let mut out: HashMap<i64, Vec<FeedRef>> = HashMap::new();
    if story_ids.is_empty() {
        return Ok(out);
    }
    let text = format!(
        "SELECT i.story_id, i.feed_id, f.title FROM feed_items i JOIN feeds f ON f.id = i.feed_id \
         WHERE i.story_id IN ({}) ORDER BY i.story_id, i.id",
        placeholders(story_ids.len())
    );
    let values = story_ids.iter().map(|&id| Value::from(id)).collect();
    for r in Row::find_by_statement(sql(db, &text, values)).all(db).await? {
        let list = out.entry(r.story_id).or_default();
        if !list.iter().any(|f| f.id == r.feed_id) {
            list.push(FeedRef {
                id: r.feed_id,
                title: r.title,
            });
        }
    }
    Ok(out)
}

/// Published posts of these stories (shared from the inbox, or the same canonical URL shared any other way).
async fn shared_in(
    db: &impl ConnectionTrait,
    stories: &[StoryRow],
    readable_channels: &[i64],
) -> Result<HashMap<i64, Vec<SharedIn>>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        story_id: Option<i64>,
        canonical_url: Option<String>,
        channel_slug: String,
        author_name: String,
        published_at: DateTime<Utc>,
    }
    let mut out: HashMap<i64, Vec<SharedIn>> = HashMap::new();
    if stories.is_empty() || readable_channels.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Value> = stories.iter().map(|s| Value::from(s.id)).collect();
    let urls: Vec<Value> = stories.iter().filter_map(|s| s.url.clone()).map(Value::from).collect();
    let text = format!(
        "SELECT p.id, p.story_id, p.canonical_url, c.slug AS channel_slug, u.name AS author_name, p.published_at \
         FROM posts p JOIN channels c ON c.id = p.channel_id JOIN users u ON u.id = p.author_id \
         WHERE (p.story_id IN ({}) OR p.canonical_url IN ({})) AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
         AND p.published_at <= ? AND p.channel_id IN ({}) ORDER BY p.published_at",
        placeholders(ids.len()),
        placeholders(urls.len()),
        placeholders(readable_channels.len())
    );
    let mut values = ids;
    if urls.is_empty() {
        values.push(Value::from(None::<String>));
    } else {
        values.extend(urls);
    }
    // A post scheduled for later is its author's alone until then.
    values.push(now().into());
    values.extend(readable_channels.iter().map(|&id| Value::from(id)));
    let by_url: HashMap<&str, i64> = stories
        .iter()
        .filter_map(|s| s.url.as_deref().map(|u| (u, s.id)))
        .collect();
    for r in Row::find_by_statement(sql(db, &text, values)).all(db).await? {
        let story = r
            .story_id
            .filter(|id| stories.iter().any(|s| s.id == *id))
            .or_else(|| r.canonical_url.as_deref().and_then(|u| by_url.get(u).copied()));
        if let Some(story) = story {
            out.entry(story).or_default().push(SharedIn {
                post_id: r.id,
                channel_slug: r.channel_slug,
                author_name: r.author_name,
                when: When::new(r.published_at),
            });
        }
    }
    Ok(out)
}

/// What the share form needs about an inbox entry.
#[derive(Debug, Clone)]
pub struct StoryForShare {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    /// The first feed that brought it (shown as the post's source).
    pub feed_id: Option<i64>,
    pub default_channel_id: Option<i64>,
}

pub async fn for_share(db: &impl ConnectionTrait, story_id: i64) -> Result<Option<StoryForShare>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        title: String,
        url: Option<String>,
        item_url: Option<String>,
        feed_id: Option<i64>,
        default_channel_id: Option<i64>,
    }
    let row = Row::find_by_statement(sql(
        db,
        "SELECT s.id, s.title, s.url, i.url AS item_url, i.feed_id, f.default_channel_id FROM stories s \
         LEFT JOIN feed_items i ON i.id = (SELECT MIN(i2.id) FROM feed_items i2 WHERE i2.story_id = s.id) \
         LEFT JOIN feeds f ON f.id = i.feed_id WHERE s.id = ?",
        vec![story_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| StoryForShare {
        id: r.id,
        title: r.title,
        url: r.url.or(r.item_url),
        feed_id: r.feed_id,
        default_channel_id: r.default_channel_id,
    }))
}

/// A feed's latest items (for a dry run of word rules).
#[derive(Debug, Clone)]
pub struct RecentItem {
    pub title: String,
    pub summary_html: String,
    pub url: Option<String>,
}

pub async fn recent_items(db: &impl ConnectionTrait, feed_id: i64, limit: u64) -> Result<Vec<RecentItem>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        title: String,
        summary_html: String,
        url: Option<String>,
    }
    Ok(Row::find_by_statement(sql(
        db,
        "SELECT title, summary_html, url FROM feed_items WHERE feed_id = ? \
         ORDER BY COALESCE(published_at, seen_at) DESC, id DESC LIMIT ?",
        vec![feed_id.into(), (limit as i64).into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| RecentItem {
        title: r.title,
        summary_html: r.summary_html,
        url: r.url,
    })
    .collect())
}

/// How many of a feed's items first seen at `since` or later belong to
/// entries the inbox leaves out for their age (sorted before `cutoff`, as
/// [`list`] decides).
pub async fn seen_since_but_older(
    db: &impl ConnectionTrait,
    feed_id: i64,
    since: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let row = Count::find_by_statement(sql(
        db,
        "SELECT COUNT(*) AS n FROM feed_items fi JOIN stories s ON s.id = fi.story_id \
         WHERE fi.feed_id = ? AND fi.seen_at >= ? AND s.sort_at < ?",
        vec![feed_id.into(), since.into(), cutoff.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.n.max(0) as u64))
}
