//! The one writer of the search index. It opens `<data-dir>/index` (or, if
//! that is missing, broken, from an older schema, or cannot be opened,
//! rebuilds it from the database into a fresh directory and swaps it in),
//! then follows the outbox: every content change wrote an outbox row in its
//! own transaction, so applying rows in order keeps the index in step.
//!
//! Commits happen at most about once a second and carry the outbox position
//! they cover, so after a crash the indexer replays from there; applying a
//! row re-reads the rows it names, so replaying one twice is harmless.
//!
//! On PostgreSQL several servers share one outbox; each keeps its own index
//! and position. Ids there are handed out before commit, so a row can appear
//! after a higher one: the position only moves past a missing id once it has
//! been missing for a while (a rolled-back transaction).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tantivy::directory::error::LockError;
use tantivy::{
    FutureResult, Index, IndexReader, IndexWriter, ReloadPolicy, SegmentMeta, TantivyDocument, TantivyError, Term,
};

use super::schema::{self, Fields, SCHEMA_VERSION};
use super::segments::Segments;
use super::{Live, SearchIndex, Status};
use crate::config::SearchSettings;
use crate::domain::search::{DocKind, SearchDoc, key as doc_key};
use crate::store::outbox::Changed;
use crate::store::search::{self as source, OutboxRow, Rows, Walk};

/// How long an outbox id may be missing below newer ones before it is taken as rolled back.
const GAP_WAIT: Duration = Duration::from_secs(10);
/// A rebuild replays changes from this long before it started (transactions still open then).
const REPLAY_MARGIN_SECS: i64 = 60;
const PAGE: u64 = 2_000;

/// The payload of every commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Payload {
    schema: u32,
    /// Every outbox row up to here is in this commit.
    outbox: i64,
    /// Built in bulk by a rebuild, one segment per indexing thread, and not
    /// merged into one yet: the server that opens it merges them in the
    /// background, searching the several segments meanwhile.
    #[serde(default)]
    unmerged: bool,
}

/// The file a `commonroom reindex` run leaves for the server that holds the index.
pub fn rebuild_request(dir: &Path) -> PathBuf {
    dir.with_extension("rebuild")
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    dir.with_extension(suffix)
}

/// Run a blocking tantivy call without stalling the runtime's other tasks.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Why an existing index was not used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("there is no index yet")]
    Missing,
    #[error("the index was built by another version of Commonroom")]
    Stale,
    #[error("the index is older than the changes the database still keeps")]
    Behind,
    #[error("another process is writing to {0}; give each server its own data directory")]
    Busy(PathBuf),
    #[error("the index could not be opened ({0})")]
    Broken(String),
}

impl From<TantivyError> for OpenError {
    fn from(e: TantivyError) -> Self {
        match e {
            TantivyError::LockFailure(LockError::LockBusy, _) => OpenError::Busy(PathBuf::new()),
            other => OpenError::Broken(other.to_string()),
        }
    }
}

fn live_of(index: Index) -> Result<Live, TantivyError> {
    let (_, fields) = schema::schema();
    schema::register_analyzers(&index);
    let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let segments = Segments::default();
    segments.refresh(&reader.searcher())?;
    Ok(Live {
        index,
        reader,
        fields,
        english: schema::english(),
        plain: schema::plain(),
        segments,
    })
}

/// Open the index in `dir` with its writer; its commit's payload comes back too.
fn open_existing(dir: &Path, settings: &SearchSettings) -> Result<(Live, IndexWriter, Payload), OpenError> {
    if !dir.join("meta.json").exists() {
        return Err(OpenError::Missing);
    }
    let index = Index::open_in_dir(dir)?;
    let (expected, _) = schema::schema();
    if index.schema() != expected {
        return Err(OpenError::Stale);
    }
    let payload: Option<Payload> = index
        .load_metas()?
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let Some(payload) = payload.filter(|p| p.schema == SCHEMA_VERSION) else {
        return Err(OpenError::Stale);
    };
    let live = live_of(index)?;
    let writer = writer_for(&live.index, settings, dir)?;
    // Read every segment once, so a damaged file shows up now and not in a search.
    let searcher = live.reader.searcher();
    for segment in searcher.segment_readers() {
        segment
            .get_store_reader(1)
            .map_err(|e| OpenError::Broken(e.to_string()))?;
    }
    Ok((live, writer, payload))
}

fn writer_for(index: &Index, settings: &SearchSettings, dir: &Path) -> Result<IndexWriter, OpenError> {
    let budget = settings.writer_mb.max(20) * 1_000_000;
    // tantivy's lock is an OS file lock: a dead process's lock is already gone,
    // so a busy lock means a live process. Give a restarting one a moment.
    for attempt in 0..10 {
        match index.writer_with_num_threads(1, budget) {
            Ok(w) => return Ok(w),
            Err(TantivyError::LockFailure(LockError::LockBusy, _)) if attempt < 9 => {
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(TantivyError::LockFailure(LockError::LockBusy, _)) => return Err(OpenError::Busy(dir.to_owned())),
            Err(e) => return Err(e.into()),
        }
    }
    Err(OpenError::Busy(dir.to_owned()))
}

/// Whether some other process holds the index's writer lock now.
pub fn is_held_elsewhere(dir: &Path) -> bool {
    if !dir.join("meta.json").exists() {
        return false;
    }
    match Index::open_in_dir(dir) {
        Ok(index) => matches!(
            index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000),
            Err(TantivyError::LockFailure(LockError::LockBusy, _))
        ),
        Err(_) => false,
    }
}

/// Build a complete index from the database into a fresh directory beside
/// `dir`, then swap it in. `progress(done, total)` is called as it goes.
/// Returns the outbox position the new index covers.
pub async fn rebuild(
    db: &DatabaseConnection,
    dir: &Path,
    settings: &SearchSettings,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<i64> {
    let fresh = sibling(dir, "new");
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh).with_context(|| format!("clearing {}", fresh.display()))?;
    }
    std::fs::create_dir_all(&fresh).with_context(|| format!("creating {}", fresh.display()))?;
    let (schema_def, f) = schema::schema();
    let index = Index::builder()
        .schema(schema_def)
        .settings(tantivy::IndexSettings {
            docstore_blocksize: schema::DOCSTORE_BLOCK,
            ..Default::default()
        })
        .create_in_dir(&fresh)
        .context("creating the new index")?;
    schema::register_analyzers(&index);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    // Generous memory for a rebuild: fewer, larger segments to merge at the end.
    let budget = (settings.writer_mb.max(20) * 1_000_000).max(threads * 150_000_000);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, budget)
        .context("opening the new index for writing")?;

    // Read the replay point first: whatever changes while the rows are read is replayed after.
    let started = Instant::now();
    let replay_from = source::outbox_replay_point(db, chrono::Duration::seconds(REPLAY_MARGIN_SECS)).await?;
    let total = source::count_everything(db).await?;
    let mut done = 0u64;
    progress(done, total);
    for doc in source::all_channels(db).await? {
        writer.add_document(schema::document(&f, &doc))?;
        done += 1;
    }
    done += add_walk(db, &writer, &f, Walk::Everything, |n| progress(done + n, total)).await?;
    progress(done, total);
    let mut prepared = writer.prepare_commit()?;
    // Each indexing thread leaves a segment; the server merges them (see `start`).
    prepared.set_payload(&payload(replay_from, true));
    blocking(|| prepared.commit()).context("committing the new index")?;
    blocking(|| writer.wait_merging_threads()).context("finishing the new index")?;
    tracing::info!(
        documents = done,
        segments = index.searchable_segment_ids()?.len(),
        seconds = started.elapsed().as_secs_f64(),
        "search index rebuilt"
    );

    let old = sibling(dir, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).with_context(|| format!("clearing {}", old.display()))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old).with_context(|| format!("moving {} aside", dir.display()))?;
    }
    std::fs::rename(&fresh, dir).with_context(|| format!("moving the new index to {}", dir.display()))?;
    if old.exists()
        && let Err(err) = std::fs::remove_dir_all(&old)
    {
        tracing::warn!(error = %err, path = %old.display(), "could not remove the old search index");
    }
    Ok(replay_from)
}

/// Add every post and reply a walk covers; returns how many.
async fn add_walk(
    db: &DatabaseConnection,
    writer: &IndexWriter,
    f: &Fields,
    walk: Walk,
    progress: impl Fn(u64),
) -> anyhow::Result<u64> {
    let mut added = 0u64;
    for rows in [Rows::Posts, Rows::Replies] {
        let mut after = Some(0);
        while let Some(from) = after {
            let page = source::page(db, rows, walk, from, PAGE).await?;
            added += add_page(writer, f, &page.docs)?;
            progress(added);
            after = page.next;
        }
    }
    Ok(added)
}

fn add_page(writer: &IndexWriter, f: &Fields, docs: &[SearchDoc]) -> tantivy::Result<u64> {
    for doc in docs {
        writer.add_document(schema::document(f, doc))?;
    }
    Ok(docs.len() as u64)
}

fn payload(outbox: i64, unmerged: bool) -> String {
    serde_json::to_string(&Payload {
        schema: SCHEMA_VERSION,
        outbox,
        unmerged,
    })
    .unwrap_or_default()
}

/// The indexer: open (or rebuild), follow the outbox, forever.
pub async fn run(db: DatabaseConnection, search: SearchIndex, settings: SearchSettings) {
    // A `commonroom reindex` request rebuilt and not yet answered: its file
    // goes once the rebuilt index answers searches (or could not be opened),
    // so "rebuilt" means the searches made after it read the new index.
    let mut answering = false;
    loop {
        let started = start(&db, &search, &settings).await;
        if std::mem::take(&mut answering) {
            let _ = std::fs::remove_file(rebuild_request(search.dir()));
        }
        match started {
            Ok(mut follower) => {
                search.set_status(Status::Ready);
                match follower.follow(&db, &search, &settings).await {
                    Ok(()) => {
                        // `commonroom reindex` asked for a rebuild. The old index
                        // answers searches until the new one is swapped in.
                        tracing::info!("rebuilding the search index, as asked by `commonroom reindex`");
                        drop(follower);
                        match rebuild_in_place(&db, &search, &settings).await {
                            Ok(_) => {
                                answering = true;
                                continue;
                            }
                            Err(err) => {
                                let _ = std::fs::remove_file(rebuild_request(search.dir()));
                                tracing::error!(error = %format!("{err:#}"), "rebuilding the search index failed")
                            }
                        }
                    }
                    Err(err) => tracing::error!(error = %format!("{err:#}"), "search indexer stopped; starting again"),
                }
            }
            Err(err) => {
                let words = format!("{err:#}");
                tracing::error!(error = %words, "search index unavailable; trying again in 30 s");
                search.set_status(Status::Failed(words));
            }
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

async fn start(db: &DatabaseConnection, search: &SearchIndex, settings: &SearchSettings) -> anyhow::Result<Follower> {
    let dir = search.dir().to_owned();
    let mut opened = blocking(|| open_existing(&dir, settings));
    if let Ok((_, _, payload)) = &opened {
        // Rows after this index's position were forgotten: it has been away too long.
        let tail = source::outbox_tail(db).await?;
        if tail > payload.outbox + 1 {
            opened = Err(OpenError::Behind);
        }
    }
    let (live, mut writer, payload) = match opened {
        Ok(ok) => ok,
        Err(OpenError::Busy(path)) => {
            anyhow::bail!(
                "another process is writing to the search index in {}; give each server its own data directory",
                path.display()
            )
        }
        Err(why) => {
            tracing::info!(reason = %why, "rebuilding the search index from the database");
            rebuild_in_place(db, search, settings).await?;
            blocking(|| open_existing(&dir, settings)).map_err(|e| anyhow::anyhow!("opening the rebuilt index: {e}"))?
        }
    };
    let position = payload.outbox;
    // One segment answers faster than several (and typo matching walks one
    // dictionary): a rebuild's segments are merged while they already serve.
    let segments = live.index.searchable_segment_ids()?;
    let merging = (payload.unmerged && segments.len() > 1).then(|| {
        tracing::info!(
            segments = segments.len(),
            "merging the rebuilt search index in the background"
        );
        Box::pin(writer.merge(&segments))
    });
    let live = Arc::new(live);
    search.set_live(live.clone());
    search.set_applied(position);
    Ok(Follower {
        live,
        writer,
        merging,
        safe: position,
        high: position,
        seen: BTreeSet::new(),
        gap: None,
        dirty: false,
        last_commit: Instant::now(),
    })
}

/// Rebuild, showing progress in the status (and in a pending `reindex` request file).
async fn rebuild_in_place(
    db: &DatabaseConnection,
    search: &SearchIndex,
    settings: &SearchSettings,
) -> anyhow::Result<i64> {
    let request = rebuild_request(search.dir());
    let status = search.clone();
    let report = move |done: u64, total: u64| {
        status.set_status(Status::Rebuilding { done, total });
        if request.exists() {
            let _ = std::fs::write(&request, format!("{done} {total}\n"));
        }
    };
    rebuild(db, search.dir(), settings, &report).await
}

struct Follower {
    live: Arc<Live>,
    writer: IndexWriter,
    /// A rebuild's segments being merged into one, if they are.
    merging: Option<Pin<Box<FutureResult<Option<SegmentMeta>>>>>,
    /// Every outbox row up to here is applied (or was given up on as rolled back).
    safe: i64,
    /// The highest row applied.
    high: i64,
    /// Rows above `safe` already applied.
    seen: BTreeSet<i64>,
    /// The lowest missing id and since when it has been missing.
    gap: Option<(i64, Instant)>,
    /// Changes applied but not committed.
    dirty: bool,
    last_commit: Instant,
}

impl Follower {
    /// Follow the outbox until a rebuild is asked for (then `Ok`), or something fails.
    async fn follow(
        &mut self,
        db: &DatabaseConnection,
        search: &SearchIndex,
        settings: &SearchSettings,
    ) -> anyhow::Result<()> {
        let commit_every = Duration::from_millis(settings.commit_ms.max(50));
        let poll_every = Duration::from_millis(settings.poll_ms.max(10));
        let request = rebuild_request(search.dir());
        loop {
            if request.exists() {
                if self.dirty {
                    self.commit()?;
                    search.set_applied(self.safe);
                }
                return Ok(());
            }
            let got = self.tick(db).await?;
            if self.dirty && self.last_commit.elapsed() >= commit_every {
                self.commit()?;
                search.set_applied(self.safe);
            }
            let wait = if self.dirty {
                commit_every.saturating_sub(self.last_commit.elapsed()).min(poll_every)
            } else if got {
                Duration::ZERO
            } else {
                poll_every
            };
            let nap = tokio::time::sleep(wait.max(Duration::from_millis(5)));
            let merged = match self.merging.as_mut() {
                Some(merge) => tokio::select! {
                    () = nap => None,
                    done = merge => Some(done),
                },
                None => {
                    nap.await;
                    None
                }
            };
            if let Some(done) = merged {
                self.merging = None;
                match done {
                    Ok(_) => {
                        self.reload()?;
                        tracing::info!("the rebuilt search index's segments are merged into one");
                    }
                    // Searches go on over the several segments; nothing is lost.
                    Err(err) => tracing::warn!(error = %err, "merging the rebuilt search index failed"),
                }
            }
        }
    }

    /// Apply what the outbox has that this index has not. True if there was anything.
    async fn tick(&mut self, db: &DatabaseConnection) -> anyhow::Result<bool> {
        let mut rows: Vec<OutboxRow> = Vec::new();
        if !self.seen.is_empty() {
            // Ids below the highest one that were missing last time may have committed since.
            rows.extend(
                source::outbox_between(db, self.safe, Some(self.high), 10_000)
                    .await?
                    .into_iter()
                    .filter(|r| !self.seen.contains(&r.id)),
            );
        }
        rows.extend(source::outbox_between(db, self.high, None, 500).await?);
        if rows.is_empty() {
            self.advance();
            return Ok(false);
        }
        let mut done: HashSet<Changed> = HashSet::new();
        for row in &rows {
            if let Some(change) = Changed::from_row(&row.entity, row.entity_id)
                && done.insert(change)
            {
                self.apply(db, change).await?;
            }
        }
        for row in &rows {
            self.seen.insert(row.id);
            self.high = self.high.max(row.id);
        }
        self.advance();
        self.dirty = true;
        Ok(true)
    }

    /// Move `safe` up past applied rows, and past ids missing for longer than [`GAP_WAIT`].
    fn advance(&mut self) {
        loop {
            let next = self.safe + 1;
            if self.seen.remove(&next) {
                self.safe = next;
                self.gap = None;
                continue;
            }
            if self.seen.is_empty() {
                self.gap = None;
                return;
            }
            match self.gap {
                Some((id, since)) if id == next && since.elapsed() >= GAP_WAIT => {
                    self.safe = next;
                    self.gap = None;
                    self.dirty = true;
                }
                Some((id, _)) if id == next => return,
                _ => {
                    self.gap = Some((next, Instant::now()));
                    return;
                }
            }
        }
    }

    fn add(&self, doc: &SearchDoc) -> anyhow::Result<()> {
        self.writer.add_document(schema::document(&self.live.fields, doc))?;
        Ok(())
    }

    /// Bring the index in line with the database for one change.
    async fn apply(&mut self, db: &DatabaseConnection, change: Changed) -> anyhow::Result<()> {
        let f = self.live.fields;
        match change {
            Changed::Post(id) => {
                self.writer
                    .delete_term(Term::from_field_u64(f.thread, id.max(0) as u64));
                for doc in source::thread(db, id).await? {
                    self.add(&doc)?;
                }
            }
            Changed::Reply(id) => {
                self.writer
                    .delete_term(Term::from_field_text(f.key, &doc_key(DocKind::Reply, id)));
                if let Some(doc) = source::reply(db, id).await? {
                    self.add(&doc)?;
                }
            }
            Changed::Channel(id) => {
                self.writer
                    .delete_term(Term::from_field_text(f.key, &doc_key(DocKind::Channel, id)));
                if let Some(doc) = source::channel(db, id).await? {
                    self.add(&doc)?;
                }
            }
            Changed::ChannelAccess(id) => {
                self.writer
                    .delete_term(Term::from_field_u64(f.channel, id.max(0) as u64));
                if let Some(doc) = source::channel(db, id).await? {
                    self.add(&doc)?;
                }
                add_walk(db, &self.writer, &f, Walk::Channel(id), |_| {}).await?;
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        let position = self.safe;
        let writer = &mut self.writer;
        let unmerged = self.merging.is_some();
        blocking(|| -> anyhow::Result<()> {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload(position, unmerged));
            prepared.commit()?;
            Ok(())
        })?;
        self.reload()?;
        self.dirty = false;
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Let searches see what is committed now.
    fn reload(&self) -> anyhow::Result<()> {
        self.live.reader.reload()?;
        self.live.segments.refresh(&self.live.reader.searcher())?;
        Ok(())
    }
}
