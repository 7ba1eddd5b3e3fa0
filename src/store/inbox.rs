//! The curator's inbox: feed items, grouped into one entry ("story") per
//! canonical URL, so the same article from three feeds is one entry that
//! says "also in …". Items are upserted by GUID (or, when a feed changes its
//! GUIDs, by link) so a repeated or resumed poll never duplicates anything.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait, Value};
use sha2::{Digest, Sha256};

use super::{placeholders, sql};
use crate::domain::cursor::Cursor;
use crate::domain::feed::{ParsedItem, WordRules};
use crate::domain::text::summary_text;
use crate::domain::time::{When, now};

pub const PAGE_SIZE: usize = 30;

/// What one batch of items did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(FromQueryResult)]
struct Known {
    id: i64,
    feed_id: i64,
    guid: String,
    content_hash: String,
    story_id: i64,
    key: String,
}

fn hash(item: &ParsedItem) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut h = Sha256::new();
    for part in [
        item.title.as_str(),
        item.url.as_deref().unwrap_or_default(),
        item.author.as_str(),
        item.summary_html.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(item.published.map(|t| t.timestamp()).unwrap_or_default().to_le_bytes());
    h.update(item.updated.map(|t| t.timestamp()).unwrap_or_default().to_le_bytes());
    let digest = h.finalize();
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// The story an item belongs to: its canonical URL, or the item itself when it has no link.
fn story_key(feed_id: i64, item: &ParsedItem) -> String {
    match &item.canonical_url {
        Some(url) => url.clone(),
        None => format!("item:{feed_id}:{}", item.guid),
    }
}

/// Rows per multi-row statement. SQLite takes at most 32,766 bound values in
/// one statement and PostgreSQL 65,535; the widest row here has 13.
const ROWS_PER_STATEMENT: usize = 500;

/// One feed's current items, to be stored.
#[derive(Debug, Clone, Copy)]
pub struct FeedItems<'a> {
    pub feed_id: i64,
    pub rules: &'a WordRules,
    pub items: &'a [ParsedItem],
}

/// An item that changed since the feed last gave it, and the row it updates.
struct Change<'a> {
    known: &'a Known,
    item: &'a ParsedItem,
    digest: String,
    passed: bool,
}

/// An item its feed has not given before.
struct Fresh<'a> {
    feed_id: i64,
    item: &'a ParsedItem,
    key: String,
    digest: String,
    passed: bool,
}

/// Store a feed's current items in one transaction: new ones are added (to an
/// existing story when another feed already brought the same URL), changed
/// ones are updated in place, the rest left alone.
pub async fn upsert_items(
    db: &impl TransactionTrait,
    feed_id: i64,
    rules: &WordRules,
    items: &[ParsedItem],
) -> Result<Upserted, DbErr> {
    let mut stats = upsert_feeds(db, &[FeedItems { feed_id, rules, items }]).await?;
    Ok(stats.pop().unwrap_or_default())
}

/// Store several feeds' items in one transaction (what [`upsert_items`] does
/// for each, in the order given), and say what each feed's did.
///
/// Items are sorted into changed and new first and then written up to
/// `ROWS_PER_STATEMENT` rows per statement, whichever feed they came from,
/// since each statement is a round trip to the database (on SQLite, to the
/// connection's thread) and each commit writes the pages it changed. The
/// outcome is what writing them one by one, in order, would give.
pub async fn upsert_feeds(db: &impl TransactionTrait, feeds: &[FeedItems<'_>]) -> Result<Vec<Upserted>, DbErr> {
    let txn = super::begin_write(db).await?;
    let mut stats = Vec::with_capacity(feeds.len());
    // A feed given twice is stored twice, in turn: its second batch must see the first's rows.
    let mut rest = feeds;
    while !rest.is_empty() {
        let mut ids = HashSet::new();
        let distinct = rest.iter().take_while(|f| ids.insert(f.feed_id)).count();
        stats.extend(upsert_distinct(&txn, &rest[..distinct]).await?);
        rest = &rest[distinct..];
    }
    txn.commit().await?;
    Ok(stats)
}

/// [`upsert_feeds`] for feeds given once each, inside the caller's transaction.
async fn upsert_distinct(txn: &impl ConnectionTrait, feeds: &[FeedItems<'_>]) -> Result<Vec<Upserted>, DbErr> {
    let ids: Vec<Value> = feeds.iter().map(|f| f.feed_id.into()).collect();
    let mut known = Known::find_by_statement(sql(
        txn,
        &format!(
            "SELECT i.id, i.feed_id, i.guid, i.content_hash, i.story_id, s.key FROM feed_items i \
             JOIN stories s ON s.id = i.story_id WHERE i.feed_id IN ({})",
            placeholders(ids.len())
        ),
        ids,
    ))
    .all(txn)
    .await?;
    // When several of a feed's items share a story, the last one by GUID is
    // the one a new GUID for that link updates: the order SQLite reads them
    // in (by its GUID index), made explicit so PostgreSQL agrees.
    known.sort_unstable_by(|a, b| (a.feed_id, &a.guid).cmp(&(b.feed_id, &b.guid)));
    let mut changes: Vec<Change> = Vec::new();
    let mut fresh: Vec<Fresh> = Vec::new();
    let mut stats = Vec::with_capacity(feeds.len());
    let mut given = Vec::with_capacity(feeds.len());
    for feed in feeds {
        let start = known.partition_point(|k| k.feed_id < feed.feed_id);
        let end = known.partition_point(|k| k.feed_id <= feed.feed_id);
        let before = fresh.len();
        stats.push(sort_items(feed, &known[start..end], &mut changes, &mut fresh));
        given.push(fresh.len() - before);
    }
    update_changed(txn, &changes).await?;
    let added = insert_fresh(txn, &fresh).await?;
    for ((feed, stats), given) in feeds.iter().zip(&mut stats).zip(given) {
        let new = added.get(&feed.feed_id).copied().unwrap_or_default();
        stats.new += new;
        // Another writer added the rest first.
        stats.unchanged += given - new;
    }
    Ok(stats)
}

/// Sort one feed's items against the rows it already has (`known`): changed
/// ones go to `changes`, new ones to `fresh`. Returns what it found
/// unchanged and updated (new items are counted once written).
fn sort_items<'a>(
    feed: &FeedItems<'a>,
    known: &'a [Known],
    changes: &mut Vec<Change<'a>>,
    fresh: &mut Vec<Fresh<'a>>,
) -> Upserted {
    let mut stats = Upserted::default();
    let mut by_guid: HashMap<&str, &Known> = known.iter().map(|k| (k.guid.as_str(), k)).collect();
    let by_key: HashMap<&str, &Known> = known.iter().map(|k| (k.key.as_str(), k)).collect();
    // GUIDs are one per item (parse drops repeats); should one come again,
    // it counts as unchanged, as its insert would have done nothing. With
    // every GUID once, no write can collide with another, whatever order
    // the database applies a statement's rows in.
    let mut batch: HashSet<&str> = HashSet::with_capacity(feed.items.len());
    for item in feed.items {
        if !batch.insert(item.guid.as_str()) {
            stats.unchanged += 1;
            continue;
        }
        let key = story_key(feed.feed_id, item);
        let digest = hash(item);
        let passed = || feed.rules.passes(&item.title, &item.summary_text);
        // Same GUID; or a new GUID for a link this feed already gave us.
        let existing = by_guid
            .remove(item.guid.as_str())
            .or_else(|| by_key.get(key.as_str()).copied());
        match existing {
            Some(k) if k.content_hash == digest && k.guid == item.guid => stats.unchanged += 1,
            Some(k) => {
                changes.push(Change {
                    known: k,
                    item,
                    passed: passed(),
                    digest,
                });
                stats.updated += 1;
            }
            None => fresh.push(Fresh {
                feed_id: feed.feed_id,
                item,
                passed: passed(),
                key,
                digest,
            }),
        }
    }
    stats
}

/// Update changed items in place, a chunk per statement, and the title of a
/// story whose first item changed. (A story's summary is its first item's, so
/// it changes with that item.)
async fn update_changed(db: &impl ConnectionTrait, changes: &[Change<'_>]) -> Result<(), DbErr> {
    // A row changed twice in one batch ends as the last change left it, and
    // one statement may not update a row twice. (Of a story's items, only its
    // first renames it, so each story too is updated at most once.)
    let mut last_item: HashMap<i64, usize> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        last_item.insert(c.known.id, i);
    }
    let items: Vec<&Change> = changes
        .iter()
        .enumerate()
        .filter(|(i, c)| last_item.get(&c.known.id) == Some(i))
        .map(|(_, c)| c)
        .collect();
    // VALUES columns are called column1, column2, … in SQLite and PostgreSQL alike.
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len() * 10);
        let mut titles = Vec::with_capacity(chunk.len() * 3);
        for c in chunk {
            let item = c.item;
            values.extend([
                c.known.id.into(),
                item.guid.clone().into(),
                item.url.clone().into(),
                item.title.clone().into(),
                item.author.clone().into(),
                item.summary_html.clone().into(),
                item.published.into(),
                item.updated.into(),
                c.digest.clone().into(),
                c.passed.into(),
            ]);
            titles.extend([c.known.story_id.into(), item.title.clone().into(), c.known.id.into()]);
        }
        let text = format!(
            "UPDATE feed_items SET guid = v.column2, url = v.column3, title = v.column4, author = v.column5, \
             summary_html = v.column6, published_at = v.column7, updated_at = v.column8, content_hash = v.column9, \
             passed = v.column10 FROM (VALUES {}) AS v WHERE feed_items.id = v.column1",
            rows(chunk.len(), 10)
        );
        db.execute(sql(db, &text, values)).await?;
        // Only the story's first item names it, as it gives it its summary.
        let text = format!(
            "UPDATE stories SET title = v.column2 FROM (VALUES {}) AS v WHERE stories.id = v.column1 \
             AND v.column3 = (SELECT MIN(fi.id) FROM feed_items fi WHERE fi.story_id = stories.id)",
            rows(chunk.len(), 3)
        );
        db.execute(sql(db, &text, titles)).await?;
    }
    Ok(())
}

/// Add new items, creating the stories no feed has brought yet. Returns how
/// many each feed added (the rest, another writer added first).
async fn insert_fresh(db: &impl ConnectionTrait, fresh: &[Fresh<'_>]) -> Result<HashMap<i64, usize>, DbErr> {
    let mut added = HashMap::new();
    if fresh.is_empty() {
        return Ok(added);
    }
    let seen = now();
    // The first item to bring a story names it (and its summary is the story's).
    let mut keys = HashSet::new();
    let firsts: Vec<&Fresh> = fresh.iter().filter(|f| keys.insert(f.key.as_str())).collect();
    for chunk in firsts.chunks(ROWS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len() * 5);
        for f in chunk {
            // Newest first means by publication, but a date in the future (or none)
            // counts as "when we first saw it".
            let sort_at = f.item.published.map_or(seen, |p| p.min(seen));
            values.extend([
                f.key.clone().into(),
                f.item.canonical_url.clone().into(),
                f.item.title.clone().into(),
                sort_at.into(),
                seen.into(),
            ]);
        }
        let text = format!(
            "INSERT INTO stories (key, url, title, sort_at, first_seen_at) VALUES {} \
             ON CONFLICT (key) DO NOTHING",
            rows(chunk.len(), 5)
        );
        db.execute(sql(db, &text, values)).await?;
    }
    for (c, chunk) in fresh.chunks(ROWS_PER_STATEMENT).enumerate() {
        let mut values = Vec::with_capacity(chunk.len() * 13);
        for (i, f) in chunk.iter().enumerate() {
            let item = f.item;
            values.extend([
                ((c * ROWS_PER_STATEMENT + i) as i64).into(),
                f.key.clone().into(),
                f.feed_id.into(),
                item.guid.clone().into(),
                item.url.clone().into(),
                item.title.clone().into(),
                item.author.clone().into(),
                item.summary_html.clone().into(),
                item.published.into(),
                item.updated.into(),
                seen.into(),
                f.digest.clone().into(),
                f.passed.into(),
            ]);
        }
        // Each item finds its story by key in the statement itself, which
        // saves reading the story ids back. The stories were written just
        // above, so the LEFT JOIN finds every one; if one had gone, its NULL
        // id would fail the statement rather than lose the item. `WHERE true`
        // tells SQLite's parser that ON CONFLICT is not the join's ON, and the
        // order gives rows their ids in the feeds' order. The feed of each row
        // written comes back, to tell each feed how many it added.
        let text = format!(
            "INSERT INTO feed_items (feed_id, story_id, guid, url, title, author, summary_html, \
             published_at, updated_at, seen_at, content_hash, passed) \
             SELECT v.column3, s.id, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, \
             v.column10, v.column11, v.column12, v.column13 \
             FROM (VALUES {}) AS v LEFT JOIN stories s ON s.key = v.column2 WHERE true ORDER BY v.column1 \
             ON CONFLICT (feed_id, guid) DO NOTHING RETURNING feed_id",
            rows(chunk.len(), 13)
        );
        for row in db.query_all(sql(db, &text, values)).await? {
            *added.entry(row.try_get_by_index::<i64>(0)?).or_default() += 1;
        }
    }
    Ok(added)
}

/// `(?, ?), (?, ?)` for a multi-row `VALUES` of `n` rows of `width` values.
fn rows(n: usize, width: usize) -> String {
    let row = format!("({})", placeholders(width));
    vec![row.as_str(); n].join(", ")
}

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

/// Take an entry out of the inbox (or put it back). False if there is no such entry.
pub async fn set_dismissed(db: &impl ConnectionTrait, story_id: i64, by: Option<i64>) -> Result<bool, DbErr> {
    let result = match by {
        Some(user) => {
            db.execute(sql(
                db,
                "UPDATE stories SET dismissed_at = COALESCE(dismissed_at, ?), dismissed_by = COALESCE(dismissed_by, ?) \
                 WHERE id = ?",
                vec![now().into(), user.into(), story_id.into()],
            ))
            .await?
        }
        None => {
            db.execute(sql(
                db,
                "UPDATE stories SET dismissed_at = NULL, dismissed_by = NULL WHERE id = ?",
                vec![story_id.into()],
            ))
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
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

/// Re-decide which of a feed's items pass after its word rules changed
/// (inside the caller's transaction, where the rules are saved).
pub async fn reapply_rules(txn: &impl ConnectionTrait, feed_id: i64, rules: &WordRules) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        title: String,
        summary_html: String,
        passed: bool,
    }
    let rows = Row::find_by_statement(sql(
        txn,
        "SELECT id, title, summary_html, passed FROM feed_items WHERE feed_id = ?",
        vec![feed_id.into()],
    ))
    .all(txn)
    .await?;
    for r in rows {
        let passes = rules.passes(&r.title, &summary_text(&r.summary_html));
        if passes != r.passed {
            txn.execute(sql(
                txn,
                "UPDATE feed_items SET passed = ? WHERE id = ?",
                vec![passes.into(), r.id.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// Delete entries older than `keep` that no post links to (their items go with them).
pub async fn prune(db: &impl TransactionTrait, keep: Duration) -> Result<u64, DbErr> {
    let txn = super::begin_write(db).await?;
    let removed = txn
        .execute(sql(
            &txn,
            "DELETE FROM stories WHERE first_seen_at < ? AND sort_at < ? \
             AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.story_id = stories.id)",
            vec![(now() - keep).into(), (now() - keep).into()],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(removed)
}

/// Entries no feed brings any more and no post links to.
pub async fn remove_orphans(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(sql(
        db,
        "DELETE FROM stories WHERE NOT EXISTS (SELECT 1 FROM feed_items i WHERE i.story_id = stories.id) \
         AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.story_id = stories.id)",
        vec![],
    ))
    .await?;
    Ok(())
}
