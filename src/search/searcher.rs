//! Running a parsed query: words become tantivy queries over the one `text`
//! field (a match in the title scores higher, words side by side higher
//! still, newer posts a little higher), operators become filters, and the
//! reader's access is checked on every match as results are collected
//! (`ranking`), so no hit, count, snippet or suggestion can get past it. When exact words find almost nothing, words
//! one or two letters away are tried, for the query's words the reader has
//! seldom or never seen, and the results say so.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use chrono::{NaiveTime, TimeZone, Utc};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, Scorer, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, DocSet, Score, SeekDangerResult, TERMINATED, TantivyDocument, Term};

use super::Live;
pub use super::access::AccessCheck;
use super::query::{SearchQuery, Term as QueryTerm};
use super::ranking::{Newest, Recent, recency_factor, sees_at_least, sort_ranked};
use super::schema::{Fields, analyzed};
use crate::domain::search::{DocKind, Hit};
use crate::domain::text::escape_html;

/// The query's words side by side (within two positions) add this much.
const PHRASE_BOOST: f32 = 1.5;
/// Fewer exact results than this, and similar words are tried.
const FEW: usize = 3;
/// A word a few letters away scores this (a constant): below almost any exact match.
const FUZZY_WEIGHT: f32 = 0.1;
const SNIPPET_CHARS: usize = 220;
/// Recency is reckoned from the start of the current hour (seconds).
const RECENCY_FROM_EVERY: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// BM25 with a mild recency boost.
    #[default]
    Relevance,
    Newest,
}

/// One search.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub query: &'a SearchQuery,
    /// `in:` resolved to channel ids (empty: any readable channel).
    pub channels: &'a [i64],
    /// `from:` resolved to user ids (empty: anyone).
    pub authors: &'a [i64],
    /// What the reader may see, read from the database for this request.
    pub access: &'a AccessCheck,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Cut highlighted snippets for the hits (pages and the API do; benchmarks measure both).
    pub snippets: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    /// How many documents the reader may see match (not just this page).
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Set when exact words found (almost) nothing and similar words were used:
    /// the words found instead, taken from the hits themselves.
    pub similar: Option<Vec<String>>,
    /// How many matched the words exactly (less than `total` when similar words were used).
    pub exact_total: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("search failed: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

fn u64_of(id: i64) -> u64 {
    u64::try_from(id).unwrap_or_default()
}

/// Edit distance allowed for a word of this length: none for short words,
/// one up to seven letters, two beyond.
fn distance_for(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn boxed(q: impl Query) -> Box<dyn Query> {
    Box::new(q)
}

fn filter(q: Box<dyn Query>) -> Box<dyn Query> {
    boxed(ConstScoreQuery::new(q, 0.0))
}

/// Documents with any of these terms. A union of posting lists: tantivy's
/// `TermSetQuery` fills a bitset of the whole segment on every search, which
/// costs more than the search itself.
fn any_of(terms: impl IntoIterator<Item = Term>) -> Box<dyn Query> {
    let mut queries: Vec<Box<dyn Query>> = terms
        .into_iter()
        .map(|t| boxed(TermQuery::new(t, IndexRecordOption::Basic)))
        .collect();
    if queries.len() == 1 {
        queries.remove(0)
    } else {
        boxed(BooleanQuery::union(queries))
    }
}

fn u64_set(field: tantivy::schema::Field, ids: &[i64]) -> Box<dyn Query> {
    any_of(ids.iter().map(|&id| Term::from_field_u64(field, u64_of(id))))
}

/// The words of one query term, after the analyzer.
struct Analyzed {
    tokens: Vec<String>,
    /// Typed as one word (not a phrase) of one token: the word as written
    /// (lower-cased, unstemmed) and how many edits away a match may be.
    fuzzable: Option<(String, u8)>,
}

struct Builder<'a> {
    f: Fields,
    english: TextAnalyzer,
    plain: TextAnalyzer,
    req: &'a Request<'a>,
    /// For a fuzzy search: the index's words near each typed word.
    near: HashMap<String, Vec<String>>,
}

impl Builder<'_> {
    fn analyze(&mut self, term: &QueryTerm) -> Analyzed {
        let tokens = analyzed(&mut self.english, term.text());
        let fuzzable = match term {
            QueryTerm::Word(_) if tokens.len() == 1 => match analyzed(&mut self.plain, term.text()).as_slice() {
                [word] if distance_for(word) > 0 => Some((word.clone(), distance_for(word))),
                _ => None,
            },
            _ => None,
        };
        Analyzed { tokens, fuzzable }
    }

    /// A term as a query. With `fuzzy`, a single word also matches the
    /// index's words a few letters away (as written, not stemmed), below exact matches.
    fn term_query(&self, a: &Analyzed, fuzzy: bool) -> Option<Box<dyn Query>> {
        let exact = self.plain_term(a, IndexRecordOption::WithFreqs)?;
        match &a.fuzzable {
            Some((word, _)) if fuzzy => match self.near.get(word).filter(|n| !n.is_empty()) {
                Some(words) => Some(boxed(BooleanQuery::union(vec![
                    exact,
                    boxed(BoostQuery::new(
                        any_of(words.iter().map(|w| Term::from_field_text(self.f.plain, w))),
                        FUZZY_WEIGHT,
                    )),
                ]))),
                None => Some(exact),
            },
            _ => Some(exact),
        }
    }

    /// A word (one token) or a phrase (several) in the `text` field.
    fn plain_term(&self, a: &Analyzed, scoring: IndexRecordOption) -> Option<Box<dyn Query>> {
        match a.tokens.as_slice() {
            [] => None,
            [token] => Some(boxed(TermQuery::new(
                Term::from_field_text(self.f.text, token),
                scoring,
            ))),
            tokens => Some(boxed(PhraseQuery::new(
                tokens.iter().map(|t| Term::from_field_text(self.f.text, t)).collect(),
            ))),
        }
    }

    /// The whole query: words (exact, or fuzzy where `fuzzy`) and filters,
    /// and (for an exact search of several single words) the same words side by side.
    fn build(&self, groups: &[Vec<Analyzed>], excluded: &[Analyzed], fuzzy: bool) -> Built {
        let f = self.f;
        let q = self.req.query;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut singles: Vec<&str> = Vec::new();
        let mut together = None;
        for group in groups {
            let alternatives: Vec<Box<dyn Query>> = group.iter().filter_map(|a| self.term_query(a, fuzzy)).collect();
            match alternatives.len() {
                0 => {}
                1 => {
                    if let [a] = group.as_slice()
                        && let [token] = a.tokens.as_slice()
                    {
                        singles.push(token);
                    }
                    clauses.extend(alternatives.into_iter().map(|q| (Occur::Must, q)));
                }
                _ => clauses.push((Occur::Must, boxed(BooleanQuery::union(alternatives)))),
            }
        }
        if clauses.is_empty() {
            clauses.push((Occur::Must, boxed(AllQuery)));
        } else if singles.len() >= 2 && !fuzzy {
            let terms = singles
                .iter()
                .enumerate()
                .map(|(i, t)| (i, Term::from_field_text(f.text, t)))
                .collect();
            together = Some(PhraseQuery::new_with_offset_and_slop(terms, 2));
        }
        for a in excluded {
            if let Some(q) = self.plain_term(a, IndexRecordOption::Basic) {
                clauses.push((Occur::MustNot, boxed(ForwardOnly(q))));
            }
        }
        if !self.req.channels.is_empty() {
            clauses.push((Occur::Must, filter(u64_set(f.channel, self.req.channels))));
        }
        if !self.req.authors.is_empty() {
            clauses.push((Occur::Must, filter(u64_set(f.author, self.req.authors))));
        }
        if !q.kinds.is_empty() {
            let kinds = q.kinds.iter().map(|k| Term::from_field_text(f.kind, k.as_str()));
            clauses.push((Occur::Must, filter(any_of(kinds))));
        }
        if q.has_link {
            clauses.push((
                Occur::Must,
                filter(boxed(TermQuery::new(
                    Term::from_field_text(f.has, "link"),
                    IndexRecordOption::Basic,
                ))),
            ));
        }
        if !q.domains.is_empty() {
            let domains = q.domains.iter().map(|d| Term::from_field_text(f.domain, d));
            clauses.push((Occur::Must, filter(any_of(domains))));
        }
        if q.before.is_some() || q.after.is_some() {
            let day = |d: chrono::NaiveDate| {
                Term::from_field_i64(f.at, Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)).timestamp())
            };
            // after:D is from the start of the next day; before:D ends where D begins.
            let lower = match q.after {
                Some(d) => Bound::Included(day(d.succ_opt().unwrap_or(d))),
                None => Bound::Included(Term::from_field_i64(f.at, i64::MIN)),
            };
            let upper = match q.before {
                Some(d) => Bound::Excluded(day(d)),
                None => Bound::Included(Term::from_field_i64(f.at, i64::MAX)),
            };
            clauses.push((Occur::Must, filter(boxed(RangeQuery::new(lower, upper)))));
        }
        // A lone required clause is the query itself: unwrapped, an OR of
        // words keeps tantivy's fast path for unions instead of being walked
        // one match at a time through a boolean of one.
        let query = match clauses.as_slice() {
            [(Occur::Must, _)] => clauses.remove(0).1,
            _ => boxed(BooleanQuery::new(clauses)),
        };
        Built { query, together }
    }
}

/// A query ready to run.
struct Built {
    query: Box<dyn Query>,
    /// The query's words side by side (within two positions), which lift a match.
    together: Option<PhraseQuery>,
}

/// The best `SIDE_BY_SIDE_WINDOW` matches by words and date are looked at
/// again for their words side by side; the order below them is by words and
/// date alone. (Finding positions for every match would cost more than the
/// search; for a match further down, it would not change the first pages.)
const SIDE_BY_SIDE_WINDOW: usize = 100;

/// The page asked for (and the total), from a fixed ranking of all matches.
fn run(
    live: &Live,
    searcher: &tantivy::Searcher,
    built: &Built,
    req: &Request<'_>,
) -> Result<(usize, Vec<DocAddress>), SearchError> {
    let limit = req.limit.max(1);
    let wanted = req.offset + limit;
    if req.sort == Sort::Relevance && req.query.has_terms() {
        // Recency is measured from the start of the hour, so the pages of one
        // search rank alike: with the second, two near-equal matches could
        // swap places between one page's request and the next, and show twice.
        let now_secs = Utc::now().timestamp().div_euclid(RECENCY_FROM_EVERY) * RECENCY_FROM_EVERY;
        let keep = if built.together.is_some() {
            wanted.max(SIDE_BY_SIDE_WINDOW)
        } else {
            wanted
        };
        let recent = Recent {
            keep,
            now_secs,
            access: req.access,
            segments: &live.segments,
        };
        let (total, mut ranked) = searcher.search(built.query.as_ref(), &recent)?;
        if let Some(together) = &built.together {
            let window = ranked.len().min(SIDE_BY_SIDE_WINDOW);
            lift_side_by_side(live, searcher, together, &mut ranked[..window], now_secs)?;
        }
        Ok((
            total,
            ranked
                .into_iter()
                .skip(req.offset)
                .take(limit)
                .map(|(_, a)| a)
                .collect(),
        ))
    } else {
        let newest = Newest {
            keep: wanted,
            access: req.access,
            segments: &live.segments,
        };
        let (total, found) = searcher.search(built.query.as_ref(), &newest)?;
        Ok((total, found.into_iter().skip(req.offset).take(limit).collect()))
    }
}

/// Add the bonus for words side by side to the matches that have them, and
/// sort again. Positions are read only for these matches, in document order
/// per segment, without the phrase scorer looking ahead for other matches.
fn lift_side_by_side(
    live: &Live,
    searcher: &tantivy::Searcher,
    together: &PhraseQuery,
    ranked: &mut [(Score, DocAddress)],
    now_secs: i64,
) -> Result<(), SearchError> {
    if ranked.is_empty() {
        return Ok(());
    }
    let weight = together.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by_key(|&i| ranked[i].1);
    let mut at = 0;
    while at < order.len() {
        let ord = ranked[order[at]].1.segment_ord;
        let end = at
            + order[at..]
                .iter()
                .take_while(|&&i| ranked[i].1.segment_ord == ord)
                .count();
        let segment = searcher.segment_reader(ord);
        let dates = live.segments.get(segment)?;
        let mut scorer: Option<Box<dyn Scorer>> = None;
        // No document below this one can match (what the scorer last said).
        let mut lower_bound: DocId = 0;
        for &i in &order[at..end] {
            let doc = ranked[i].1.doc_id;
            if doc < lower_bound {
                continue;
            }
            let found = match scorer.as_mut() {
                Some(s) => s.seek_danger(doc),
                None => {
                    let (found, s) = weight.scorer_danger(segment, doc, 1.0)?;
                    scorer = Some(s);
                    found
                }
            };
            match found {
                SeekDangerResult::Found => {
                    if let Some(s) = scorer.as_mut() {
                        let bonus = PHRASE_BOOST * s.score();
                        ranked[i].0 += bonus * recency_factor(dates.at(doc), now_secs);
                    }
                    lower_bound = doc + 1;
                }
                SeekDangerResult::SeekLowerBound(bound) => lower_bound = bound.max(doc + 1),
            }
            if lower_bound == TERMINATED {
                break;
            }
        }
        at = end;
    }
    sort_ranked(ranked);
    Ok(())
}

/// Search the live index. The caller has parsed the query and worked out the reader's access.
pub fn search(live: &Live, req: &Request<'_>) -> Result<Results, SearchError> {
    let mut b = Builder {
        f: live.fields,
        english: live.english.clone(),
        plain: live.plain.clone(),
        req,
        near: HashMap::new(),
    };
    let groups: Vec<Vec<Analyzed>> = req
        .query
        .groups
        .iter()
        .map(|g| g.iter().map(|t| b.analyze(t)).collect())
        .collect();
    let excluded: Vec<Analyzed> = req.query.excluded.iter().map(|t| b.analyze(t)).collect();
    let exact = b.build(&groups, &excluded, false);
    // One searcher for the whole search: the hits' addresses, the typo checks
    // and the documents read all refer to the same generation of the index.
    let searcher = live.reader.searcher();
    let (mut total, mut addresses) = run(live, &searcher, &exact, req)?;
    let exact_total = total;
    let mut similar = None;
    // Words a few letters away are tried only for the words this reader has
    // (almost) never seen written so: a common word is not a typo, and
    // leaving it be keeps the search both sharper and cheap. Like the total,
    // this counts only what the reader may see, so it gives nothing away.
    let mut doubtful: Vec<&(String, u8)> = Vec::new();
    if total < FEW {
        for a in groups.iter().flatten() {
            let (Some(word), Some(exact)) = (&a.fuzzable, b.plain_term(a, IndexRecordOption::Basic)) else {
                continue;
            };
            if !sees_at_least(&searcher, &live.segments, exact.as_ref(), req.access, FEW)? {
                doubtful.push(word);
            }
        }
    }
    if !doubtful.is_empty() {
        b.near = doubtful
            .iter()
            .map(|(word, distance)| (word.clone(), near_words(&searcher, live.fields.plain, word, *distance)))
            .collect();
        let fuzzy = b.build(&groups, &excluded, true);
        let (fuzzy_total, fuzzy_addresses) = run(live, &searcher, &fuzzy, req)?;
        if fuzzy_total > total {
            total = fuzzy_total;
            addresses = fuzzy_addresses;
            similar = Some(Vec::new());
        }
    }
    let docs: Vec<TantivyDocument> = addresses.iter().map(|&a| searcher.doc(a)).collect::<Result<_, _>>()?;
    // Highlight the query's words, and (after a fuzzy search) the similar words the hits contain.
    let mut terms: BTreeMap<String, f32> = groups
        .iter()
        .flatten()
        .flat_map(|a| a.tokens.iter().cloned())
        .map(|t| (t, 1.0))
        .collect();
    if let Some(words) = similar.as_mut() {
        let found = similar_words(&doubtful, &docs, live);
        for (word, stem) in found {
            terms.insert(stem, 1.0);
            words.push(word);
        }
    }
    let f = live.fields;
    let generators = req.snippets.then(|| {
        let mut bodies = SnippetGenerator::new(terms.clone(), live.english.clone(), f.body, SNIPPET_CHARS);
        bodies.set_max_num_chars(SNIPPET_CHARS);
        let titles = SnippetGenerator::new(terms, live.english.clone(), f.title, 400);
        (titles, bodies)
    });
    let hits = docs
        .iter()
        .map(|doc| hit(doc, &f, generators.as_ref().map(|(t, b)| (t, b))))
        .collect();
    Ok(Results {
        total,
        hits,
        similar,
        exact_total,
    })
}

fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default()
}

fn number(doc: &TantivyDocument, field: tantivy::schema::Field) -> i64 {
    doc.get_first(field)
        .and_then(|v| v.as_u64().and_then(|n| i64::try_from(n).ok()).or_else(|| v.as_i64()))
        .unwrap_or_default()
}

fn hit(doc: &TantivyDocument, f: &Fields, snippets: Option<(&SnippetGenerator, &SnippetGenerator)>) -> Hit {
    let title = text(doc, f.title);
    let body = text(doc, f.body);
    let (title_html, snippet_html) = match snippets {
        Some((titles, bodies)) => {
            let title_html = if title.is_empty() {
                String::new()
            } else {
                let s = titles.snippet(title);
                if s.is_empty() { escape_html(title) } else { s.to_html() }
            };
            let s = bodies.snippet(body);
            let snippet_html = if s.is_empty() {
                escape_html(&opening(body, SNIPPET_CHARS))
            } else {
                s.to_html()
            };
            (title_html, snippet_html)
        }
        None => (escape_html(title), String::new()),
    };
    Hit {
        kind: DocKind::parse(text(doc, f.kind)).unwrap_or(DocKind::Discussion),
        id: number(doc, f.id),
        thread_id: number(doc, f.thread),
        channel_id: number(doc, f.channel),
        author_id: number(doc, f.author),
        at: Utc.timestamp_opt(number(doc, f.at), 0).single().unwrap_or_default(),
        title: title.to_owned(),
        title_html,
        snippet_html,
        context: text(doc, f.context).to_owned(),
        url: Some(text(doc, f.url)).filter(|u| !u.is_empty()).map(str::to_owned),
        domain: doc.get_first(f.domain).and_then(|v| v.as_str()).map(str::to_owned),
    }
}

/// The start of a text, cut at a word boundary.
fn opening(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// For each fuzzily matched query word, the most common word in the hits
/// within its distance: `(word as written, its stem)`. Only the hits the
/// reader may see are looked at, so nothing private can be suggested.
fn similar_words(fuzzable: &[&(String, u8)], docs: &[TantivyDocument], live: &Live) -> Vec<(String, String)> {
    let f = &live.fields;
    let mut plain = live.plain.clone();
    let mut english = live.english.clone();
    let mut out = Vec::new();
    for (typed, distance) in fuzzable {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for doc in docs {
            for field in [f.title, f.body] {
                for word in analyzed(&mut plain, text(doc, field)) {
                    if word != *typed && strsim::osa_distance(&word, typed) <= usize::from(*distance) {
                        *counts.entry(word).or_default() += 1;
                    }
                }
            }
        }
        if let Some((word, _)) = counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            && let Some(stem) = analyzed(&mut english, &word).into_iter().next()
        {
            out.push((word, stem));
        }
    }
    out
}

/// At most this many of the index's words stand in for one mistyped word (the commonest).
const NEAR_WORDS: usize = 16;

/// The index's words within `distance` edits of `word`, commonest first,
/// found by walking each segment's dictionary with a Levenshtein automaton.
/// They then take part as ordinary words (a union of posting lists), which is
/// far cheaper than tantivy's fuzzy scorer filling a bitset per segment.
/// Which of them a reader may see is left to the access check, as for any word.
fn near_words(searcher: &tantivy::Searcher, field: tantivy::schema::Field, word: &str, distance: u8) -> Vec<String> {
    let Ok(dfa) = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true).automaton() else {
        return Vec::new();
    };
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().search(&dfa).into_stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(candidate) = std::str::from_utf8(stream.key())
                && candidate != word
            {
                *found.entry(candidate.to_owned()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut words: Vec<(String, u64)> = found.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.into_iter().take(NEAR_WORDS).map(|(w, _)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_words_tolerate_more_typos() {
        assert_eq!(distance_for("bin"), 0);
        assert_eq!(distance_for("grit"), 1);
        assert_eq!(distance_for("comunity"), 2);
    }

    #[test]
    fn snippets_fall_back_to_escaped_text() {
        assert_eq!(escape_html("<script>\"x\"&"), "&lt;script&gt;&quot;x&quot;&amp;");
        assert_eq!(opening("one two three", 8), "one two…");
    }
}

/// A query whose matches are only ever `seek`ed forward, never "seeked in the
/// danger zone". tantivy's phrase scorer asserts, in debug builds, something
/// exclusions (`-"cold snap"`) do not guarantee; wrapped like this, an excluded
/// phrase behaves like any other docset.
#[derive(Debug)]
struct ForwardOnly(Box<dyn Query>);

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        Self(self.0.box_clone())
    }
}

impl Query for ForwardOnly {
    fn weight(&self, scoring: tantivy::query::EnableScoring<'_>) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(scoring)?)))
    }
}

struct ForwardOnlyWeight(Box<dyn tantivy::query::Weight>);

impl tantivy::query::Weight for ForwardOnlyWeight {
    fn scorer(
        &self,
        reader: &tantivy::SegmentReader,
        boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(
        &self,
        reader: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnlyScorer(Box<dyn tantivy::query::Scorer>);

impl tantivy::DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> tantivy::DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: tantivy::DocId) -> tantivy::DocId {
        self.0.seek(target)
    }

    fn doc(&self) -> tantivy::DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl tantivy::query::Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> tantivy::Score {
        self.0.score()
    }
}
