//! Collecting results in one pass over the matches: the reader's access
//! (checked per match against the segment's decoded scopes, so it costs the
//! same however much content is private), the total count, and the best
//! matches: by BM25 with a mild recency boost, or newest first. In the ranked
//! order a document's date is only read when its score, boosted as much as
//! recency ever could, would still make the cut.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::access::AccessCheck;
use super::segments::{SegmentData, Segments, Visible};

/// The newest documents score up to this much more (a tie-breaker, not a ranking).
pub const RECENCY_BOOST: f32 = 0.1;

/// `1 + RECENCY_BOOST / (1 + age in days / 30)`: 1.1 today, 1.05 a month ago, ~1.008 a year ago.
pub fn recency_factor(at_secs: i64, now_secs: i64) -> f32 {
    let days = (now_secs.saturating_sub(at_secs).max(0) as f32) / 86_400.0;
    1.0 + RECENCY_BOOST / (1.0 + days / 30.0)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked(Score, DocAddress);

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    /// Higher score first; between equals, the earlier document (stable pages).
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then_with(|| other.1.cmp(&self.1))
    }
}

/// The best `keep` documents by boosted score, best first, and how many matched.
pub struct Recent<'a> {
    pub keep: usize,
    /// "Now" in seconds, fixed for the whole search.
    pub now_secs: i64,
    pub access: &'a AccessCheck,
    pub segments: &'a Segments,
}

pub struct RecentSegment {
    ord: SegmentOrdinal,
    data: Arc<SegmentData>,
    visible: Visible,
    now_secs: i64,
    keep: usize,
    best: BinaryHeap<Reverse<Ranked>>,
    /// Once `best` is full: a raw score below this cannot make it, however new.
    floor: Score,
    count: usize,
}

impl Collector for Recent<'_> {
    type Fruit = (usize, Vec<(Score, DocAddress)>);
    type Child = RecentSegment;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<RecentSegment> {
        let data = self.segments.get(segment)?;
        Ok(RecentSegment {
            ord,
            visible: data.visible(self.access),
            data,
            now_secs: self.now_secs,
            keep: self.keep.max(1),
            best: BinaryHeap::new(),
            floor: Score::NEG_INFINITY,
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<(Score, DocAddress)>)>) -> tantivy::Result<Self::Fruit> {
        let total = fruits.iter().map(|(n, _)| n).sum();
        let mut all: Vec<Ranked> = fruits
            .into_iter()
            .flat_map(|(_, hits)| hits.into_iter().map(|(s, a)| Ranked(s, a)))
            .collect();
        all.sort_by(|a, b| b.cmp(a));
        all.truncate(self.keep);
        Ok((total, all.into_iter().map(|Ranked(s, a)| (s, a)).collect()))
    }
}

impl SegmentCollector for RecentSegment {
    type Fruit = (usize, Vec<(Score, DocAddress)>);

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.visible.allows(doc) {
            return;
        }
        self.count += 1;
        if score < self.floor {
            return;
        }
        let boosted = score * recency_factor(self.data.at(doc), self.now_secs);
        let ranked = Ranked(boosted, DocAddress::new(self.ord, doc));
        if self.best.len() < self.keep {
            self.best.push(Reverse(ranked));
        } else if let Some(mut worst) = self.best.peek_mut()
            && ranked > worst.0
        {
            *worst = Reverse(ranked);
        } else {
            return;
        }
        if self.best.len() >= self.keep
            && let Some(Reverse(worst)) = self.best.peek()
        {
            self.floor = worst.0 / (1.0 + RECENCY_BOOST);
        }
    }

    fn harvest(self) -> Self::Fruit {
        (
            self.count,
            self.best.into_iter().map(|Reverse(Ranked(s, a))| (s, a)).collect(),
        )
    }
}

/// Sort ranked documents best first (between equal scores, the earlier document first).
pub fn sort_ranked(hits: &mut [(Score, DocAddress)]) {
    hits.sort_by_key(|h| Reverse(Ranked(h.0, h.1)));
}

/// The newest `keep` documents the reader may see, newest first, and how many matched.
pub struct Newest<'a> {
    pub keep: usize,
    pub access: &'a AccessCheck,
    pub segments: &'a Segments,
}

pub struct NewestSegment {
    ord: SegmentOrdinal,
    data: Arc<SegmentData>,
    visible: Visible,
    keep: usize,
    best: BinaryHeap<Reverse<(i64, Reverse<DocAddress>)>>,
    count: usize,
}

impl Collector for Newest<'_> {
    type Fruit = (usize, Vec<DocAddress>);
    type Child = NewestSegment;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<NewestSegment> {
        let data = self.segments.get(segment)?;
        Ok(NewestSegment {
            ord,
            visible: data.visible(self.access),
            data,
            keep: self.keep.max(1),
            best: BinaryHeap::new(),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<(i64, DocAddress)>)>) -> tantivy::Result<Self::Fruit> {
        let total = fruits.iter().map(|(n, _)| n).sum();
        let mut all: Vec<(i64, DocAddress)> = fruits.into_iter().flat_map(|(_, hits)| hits).collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.keep);
        Ok((total, all.into_iter().map(|(_, a)| a).collect()))
    }
}

impl SegmentCollector for NewestSegment {
    type Fruit = (usize, Vec<(i64, DocAddress)>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        if !self.visible.allows(doc) {
            return;
        }
        self.count += 1;
        let entry = (self.data.at(doc), Reverse(DocAddress::new(self.ord, doc)));
        if self.best.len() < self.keep {
            self.best.push(Reverse(entry));
        } else if let Some(mut worst) = self.best.peek_mut()
            && entry > worst.0
        {
            *worst = Reverse(entry);
        }
    }

    fn harvest(self) -> Self::Fruit {
        (
            self.count,
            self.best.into_iter().map(|Reverse((at, Reverse(a)))| (at, a)).collect(),
        )
    }
}

/// Whether the reader may see at least `n` documents matching `query`. It
/// stops at the `n`th, so a common word costs about as little as a rare one.
pub fn sees_at_least(
    searcher: &Searcher,
    segments: &Segments,
    query: &dyn Query,
    access: &AccessCheck,
    n: usize,
) -> tantivy::Result<bool> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut seen = 0;
    for segment in searcher.segment_readers() {
        let visible = segments.get(segment)?.visible(access);
        let alive = segment.alive_bitset();
        let mut docs = weight.scorer(segment, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) && visible.allows(doc) {
                seen += 1;
                if seen >= n {
                    return Ok(true);
                }
            }
            doc = docs.advance();
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_scores_a_little_higher() {
        let now = 1_800_000_000;
        assert!(recency_factor(now, now) > recency_factor(now - 86_400 * 365, now));
        assert!(recency_factor(now, now) <= 1.0 + RECENCY_BOOST);
        assert!(
            recency_factor(now + 999, now) <= 1.0 + RECENCY_BOOST,
            "future dates count as now"
        );
    }

    #[test]
    fn access_needs_a_readable_channel_and_membership_of_private_ones() {
        let access = AccessCheck {
            unreadable: vec![3],
            member_of: vec![5],
        };
        assert!(access.allows(2 << 1), "open channel 2");
        assert!(
            !access.allows(3 << 1),
            "channel 3 is unreadable now, whatever the index says"
        );
        assert!(access.allows((5 << 1) | 1), "private channel 5, a member");
        assert!(
            !access.allows((6 << 1) | 1),
            "private channel 6 (perhaps new): not a member"
        );
        assert!(!AccessCheck::default().allows(1), "no scope: nobody");
    }

    #[test]
    fn higher_scores_rank_first_and_ties_go_to_the_earlier_document() {
        let a = Ranked(2.0, DocAddress::new(0, 5));
        let b = Ranked(1.0, DocAddress::new(0, 1));
        let c = Ranked(2.0, DocAddress::new(0, 9));
        let mut v = vec![b, c, a];
        v.sort_by(|x, y| y.cmp(x));
        assert_eq!(v, vec![a, c, b]);
    }
}
