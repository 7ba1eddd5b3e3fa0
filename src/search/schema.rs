//! The index's shape: one document per post, reply and channel, the fields
//! each carries, and the English analyzer (lower-case, accents folded,
//! stemmed) that indexing and querying share.
//!
//! Bump [`SCHEMA_VERSION`] whenever a field or analyzer changes: an index
//! built by an older version is then rebuilt from the database on start.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument};

use super::stemming::RememberingStemmer;
use crate::domain::search::SearchDoc;

/// Written into every commit's payload; a different one means "rebuild".
pub const SCHEMA_VERSION: u32 = 1;

/// Smaller doc-store blocks than tantivy's 16 KB: fetching the ten hits of a
/// page then decompresses a quarter as much.
pub const DOCSTORE_BLOCK: usize = 4096;

/// Words: split on anything that is not a letter or digit, lower-cased,
/// accents folded ("café" finds "cafe"), English stems ("councils" → "council").
pub const ENGLISH: &str = "commonroom_en";
/// The same without stemming: the words as written, for "did you mean".
pub const PLAIN: &str = "commonroom_plain";

pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberingStemmer)
        .build()
}

pub fn plain() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub key: Field,
    pub kind: Field,
    pub id: Field,
    pub thread: Field,
    pub channel: Field,
    /// `channel × 2 + 1 if private`: what access is checked against, per match.
    pub scope: Field,
    pub author: Field,
    /// Seconds since the epoch (fast: sorting, recency and date ranges).
    pub at: Field,
    /// Title (posts) or name (channels), stored (it is searched through `text`).
    pub title: Field,
    /// Stored only: the text snippets are cut from.
    pub body: Field,
    pub context: Field,
    pub url: Field,
    /// Everything searchable (title, body, link, domain, feed) in one field,
    /// so a word is one posting list, with positions for phrases. The title
    /// goes in twice: a title word counts double in BM25 at no cost per query.
    pub text: Field,
    /// Title and body words as written (not stemmed), for typo-tolerant matching.
    pub plain: Field,
    /// The link's domain and every parent domain (`www.gov.uk`, `gov.uk`, `uk`).
    pub domain: Field,
    /// `has:` values.
    pub has: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_u64_field("id", STORED),
        thread: b.add_u64_field("thread", INDEXED | STORED),
        channel: b.add_u64_field("channel", INDEXED | STORED),
        scope: b.add_u64_field("scope", FAST),
        author: b.add_u64_field("author", INDEXED | STORED),
        at: b.add_i64_field("at", FAST | STORED),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        context: b.add_text_field("context", STORED),
        url: b.add_text_field("url", STORED),
        text: b.add_text_field("text", words),
        plain: b.add_text_field(
            "plain",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PLAIN)
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            ),
        ),
        domain: b.add_text_field("domain", STRING | STORED),
        has: b.add_text_field("has", STRING),
    };
    (b.build(), fields)
}

/// The words of `text` as `analyzer` indexes them.
pub fn analyzed(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Register the analyzers on an opened or created index (they are not persisted).
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(ENGLISH, english());
    index.tokenizers().register(PLAIN, plain());
}

fn id_u64(id: i64) -> u64 {
    u64::try_from(id).unwrap_or_default()
}

/// `www.gov.uk` → `www.gov.uk`, `gov.uk`, `uk`.
pub fn domain_suffixes(domain: &str) -> impl Iterator<Item = &str> {
    let domain = domain.trim_end_matches('.');
    std::iter::once(domain).chain(domain.match_indices('.').map(move |(i, _)| &domain[i + 1..]))
}

pub fn document(f: &Fields, doc: &SearchDoc) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_text(f.key, doc.key());
    d.add_text(f.kind, doc.kind.as_str());
    d.add_u64(f.id, id_u64(doc.id));
    d.add_u64(f.thread, id_u64(doc.thread_id));
    d.add_u64(f.channel, id_u64(doc.channel_id));
    d.add_u64(f.scope, (id_u64(doc.channel_id) << 1) | u64::from(doc.private));
    d.add_u64(f.author, id_u64(doc.author_id));
    d.add_i64(f.at, doc.at.timestamp());
    d.add_text(f.title, &doc.title);
    d.add_text(f.body, &doc.body);
    if !doc.context.is_empty() {
        d.add_text(f.context, &doc.context);
    }
    d.add_text(f.text, &doc.title);
    d.add_text(f.text, &doc.title);
    d.add_text(f.text, &doc.body);
    d.add_text(f.plain, &doc.title);
    d.add_text(f.plain, &doc.body);
    if let Some(url) = &doc.url {
        d.add_text(f.url, url);
        d.add_text(f.text, url);
    }
    if let Some(domain) = &doc.domain {
        let domain = domain.to_lowercase();
        for suffix in domain_suffixes(&domain) {
            d.add_text(f.domain, suffix);
        }
    }
    if let Some(feed) = &doc.feed {
        d.add_text(f.text, feed);
    }
    if doc.has_link || doc.url.is_some() {
        d.add_text(f.has, "link");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_folds_case_accents_and_stems() {
        assert_eq!(
            analyzed(&mut english(), "Councils' CAFÉ meetings"),
            ["council", "cafe", "meet"]
        );
        assert_eq!(analyzed(&mut plain(), "Councils' CAFÉ"), ["councils", "cafe"]);
    }

    #[test]
    fn domains_match_their_parents() {
        assert_eq!(
            domain_suffixes("www.gov.uk").collect::<Vec<_>>(),
            ["www.gov.uk", "gov.uk", "uk"]
        );
    }
}
