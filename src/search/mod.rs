//! Search: a tantivy index in `<data-dir>/index`, derived from the database
//! and never trusted over it.
//!
//! - `schema`   the fields and the English analyzer (documents are `domain::search`)
//! - `stemming` English stems, each word worked out once per analyzer
//! - `query`    the search box's language, parsed (pure)
//! - `access`   what a reader may see, checked on every match
//! - `ranking`  BM25 with a mild recency boost, and the count, in one pass
//! - `searcher` running a parsed query against the index, limited to what the reader may see
//! - `segments` what searches read per match, decoded once per segment
//! - `indexer`  the one task that writes the index: replays the outbox, commits about
//!   once a second, rebuilds from the database when the index is missing or broken
//!
//! [`SearchIndex`] is the handle the rest of the app holds: cheap to clone,
//! it reaches whatever index is live now (a rebuild swaps in a new one).

pub mod access;
pub mod indexer;
pub mod query;
pub mod ranking;
pub mod schema;
pub mod searcher;
pub mod segments;
pub mod stemming;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader};
use tokio::sync::watch;

use schema::Fields;

/// An opened index and its reader.
pub struct Live {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// The analyzers, built once (each search clones them).
    pub english: TextAnalyzer,
    pub plain: TextAnalyzer,
    /// Each segment's scopes and dates, decoded once.
    pub segments: segments::Segments,
}

impl Live {
    /// Documents in the largest segment the reader sees: once a rebuild's
    /// segments are merged, every document the rebuild wrote.
    pub fn largest_segment(&self) -> u32 {
        let searcher = self.reader.searcher();
        searcher
            .segment_readers()
            .iter()
            .map(|s| s.max_doc())
            .max()
            .unwrap_or(0)
    }
}

/// Whether search can answer, in words for the search page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The indexer has not opened the index yet.
    Starting,
    /// Rebuilding from the database; the old index (if any) answers meanwhile.
    Rebuilding {
        done: u64,
        total: u64,
    },
    Ready,
    /// Something is wrong that a rebuild did not fix; the reason is logged.
    Failed(String),
}

struct Shared {
    dir: PathBuf,
    live: RwLock<Option<Arc<Live>>>,
    status: RwLock<Status>,
    /// The outbox position the live index has committed (everything up to it is searchable).
    applied: watch::Sender<i64>,
}

/// The app's handle on its search index.
#[derive(Clone)]
pub struct SearchIndex {
    shared: Arc<Shared>,
}

impl SearchIndex {
    /// A handle for the index in `<data_dir>/index`; nothing is opened until the indexer runs.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            shared: Arc::new(Shared {
                dir: data_dir.join("index"),
                live: RwLock::new(None),
                status: RwLock::new(Status::Starting),
                applied: watch::channel(0).0,
            }),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The index answering searches now, if any.
    pub fn live(&self) -> Option<Arc<Live>> {
        self.shared.live.read().ok().and_then(|l| l.clone())
    }

    pub fn status(&self) -> Status {
        self.shared
            .status
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|_| Status::Failed("status unavailable".into()))
    }

    fn set_live(&self, live: Arc<Live>) {
        if let Ok(mut slot) = self.shared.live.write() {
            *slot = Some(live);
        }
    }

    fn set_status(&self, status: Status) {
        if let Ok(mut slot) = self.shared.status.write() {
            *slot = status;
        }
    }

    fn set_applied(&self, position: i64) {
        self.shared.applied.send_replace(position);
    }

    /// The outbox position whose changes are searchable now.
    pub fn applied(&self) -> i64 {
        *self.shared.applied.borrow()
    }

    /// Wait until every change up to outbox row `position` is searchable.
    /// False if that did not happen within `timeout`.
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        let mut rx = self.shared.applied.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|&applied| applied >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
