//! The poll's side of the inbox: storing feeds' items (new, changed or the
//! same as before), re-deciding which pass a feed's word rules, and deleting
//! what nobody can see any more.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait, Value};
use sha2::{Digest, Sha256};

use crate::domain::feed::{ParsedItem, WordRules};
use crate::domain::text::summary_text;
use crate::domain::time::now;
use crate::store::{begin_write, placeholders, sql};

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
    let txn = begin_write(db).await?;
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
    let txn = begin_write(db).await?;
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
