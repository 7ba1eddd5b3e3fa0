//! What a search reads for every match, decoded once per segment instead of
//! once per search: each document's scope (channel and privacy) as a small
//! number standing for one of the segment's few distinct scopes, and the date
//! column. A search then decides once per distinct scope whether the reader
//! may see it, and checks a match with two array reads.
//!
//! Segments never change once written (deletions are kept apart), so an
//! entry stays right for as long as its segment lives; the indexer loads new
//! segments after each commit and forgets merged-away ones.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::columnar::ColumnIndex;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::access::AccessCheck;

/// One segment's decoded columns.
pub struct SegmentData {
    /// Each document's scope, as an index into `scopes`.
    scope_of: Arc<[u32]>,
    /// The segment's distinct scopes.
    scopes: Vec<u64>,
    /// When each document was published, in seconds (a document without
    /// one reads as `i64::MIN`: the oldest there is).
    at: Box<[i64]>,
}

impl SegmentData {
    fn load(segment: &SegmentReader) -> tantivy::Result<Self> {
        let column = segment.fast_fields().u64("scope")?;
        // A document without a scope gets one no reader can pass (channel 0, private).
        let values = match column.index {
            ColumnIndex::Full => column.values.clone(),
            _ => column.first_or_default_col(1),
        };
        let mut scopes: Vec<u64> = Vec::new();
        let mut index_of: HashMap<u64, u32> = HashMap::new();
        let scope_of: Arc<[u32]> = (0..segment.max_doc())
            .map(|doc| {
                let scope = values.get_val(doc);
                *index_of.entry(scope).or_insert_with(|| {
                    scopes.push(scope);
                    (scopes.len() - 1) as u32
                })
            })
            .collect();
        let at = segment.fast_fields().i64("at")?;
        let at = match at.index {
            ColumnIndex::Full => at.values.clone(),
            _ => at.first_or_default_col(i64::MIN),
        };
        let at = (0..segment.max_doc()).map(|doc| at.get_val(doc)).collect();
        Ok(Self { scope_of, scopes, at })
    }

    /// When a document was published, in seconds.
    #[inline]
    pub fn at(&self, doc: DocId) -> i64 {
        self.at.get(doc as usize).copied().unwrap_or(i64::MIN)
    }

    /// Which of this segment's documents `access` lets the reader see.
    pub fn visible(&self, access: &AccessCheck) -> Visible {
        let allowed: Vec<bool> = self.scopes.iter().map(|&s| access.allows(s)).collect();
        if allowed.iter().all(|&a| a) {
            Visible::All
        } else {
            Visible::Some {
                scope_of: Arc::clone(&self.scope_of),
                allowed: allowed.into(),
            }
        }
    }
}

/// The reader's view of one segment, worked out once per search.
pub enum Visible {
    /// Every document in the segment (no per-match check at all).
    All,
    Some {
        scope_of: Arc<[u32]>,
        /// Per distinct scope of the segment.
        allowed: Box<[bool]>,
    },
}

impl Visible {
    #[inline]
    pub fn allows(&self, doc: DocId) -> bool {
        match self {
            Visible::All => true,
            Visible::Some { scope_of, allowed } => scope_of
                .get(doc as usize)
                .is_some_and(|&i| allowed.get(i as usize).copied().unwrap_or(false)),
        }
    }
}

/// Every live segment's data, by segment.
#[derive(Default)]
pub struct Segments {
    by_id: RwLock<HashMap<SegmentId, Arc<SegmentData>>>,
}

impl Segments {
    /// The segment's data, decoded now if no search or commit has yet.
    pub fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentData>> {
        let id = segment.segment_id();
        if let Some(data) = self.by_id.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(data);
        }
        let data = Arc::new(SegmentData::load(segment)?);
        if let Ok(mut map) = self.by_id.write() {
            map.insert(id, Arc::clone(&data));
        }
        Ok(data)
    }

    /// Decode the searcher's segments ahead of the searches that need them,
    /// and forget segments it no longer has (merged away or from an old index).
    pub fn refresh(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let readers = searcher.segment_readers();
        for segment in readers {
            self.get(segment)?;
        }
        if let Ok(mut map) = self.by_id.write() {
            map.retain(|id, _| readers.iter().any(|r| r.segment_id() == *id));
        }
        Ok(())
    }
}
