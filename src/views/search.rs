//! Search results and suggestions as you type (`templates/pages/search/`,
//! `templates/partials/suggestions.html`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::search::{DocKind, Hit};
use crate::store::channels::ChannelRef;
use crate::store::users::PersonChip;

/// One search result, with the names it is shown with.
pub struct SearchResult {
    pub hit: Hit,
    /// Where it lives in Commonroom.
    pub href: String,
    pub when: crate::domain::time::When,
    pub author: Option<PersonChip>,
    pub channel: ChannelRef,
}

impl SearchResult {
    pub fn kind_label(&self) -> &'static str {
        match self.hit.kind {
            DocKind::Link => "Link",
            DocKind::Reply => "Reply",
            DocKind::Channel => "Channel",
            DocKind::Discussion => "Discussion",
        }
    }

    /// The heading: the (highlighted) title, or for a reply the post it answers.
    pub fn heading_html(&self) -> String {
        if self.hit.title_html.is_empty() {
            format!("Reply to “{}”", crate::domain::text::escape_html(&self.hit.context))
        } else {
            self.hit.title_html.clone()
        }
    }
}

/// The search page: the box, how to search, and the results.
#[derive(Template, WebTemplate)]
#[template(path = "pages/search/search.html")]
pub struct SearchPage {
    pub ctx: PageCtx,
    /// The query as typed.
    pub q: String,
    pub newest: bool,
    /// The query could not be run, in words.
    pub error: Option<String>,
    /// Search is not available right now, in words.
    pub notice: Option<String>,
    /// Whether a search ran (so "no results" can be said).
    pub searched: bool,
    pub total: usize,
    pub results: Vec<SearchResult>,
    /// The similar words searched for instead, when the exact ones found (almost) nothing.
    pub similar: Option<String>,
    /// How many results matched the words exactly (when similar words were added).
    pub exact_total: usize,
    /// The number of the first result on this page.
    pub first: usize,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub relevance_url: String,
    pub newest_url: String,
}

impl SearchPage {
    pub fn last(&self) -> usize {
        self.first + self.results.len().saturating_sub(1)
    }
}

/// Suggestions under the search box, swapped in by htmx as someone types.
#[derive(Template, WebTemplate)]
#[template(path = "partials/suggestions.html")]
pub struct SuggestionsPartial {
    pub channels: Vec<ChannelRef>,
    pub people: Vec<PersonChip>,
    pub typed: String,
}

impl SuggestionsPartial {
    pub fn in_channel(&self, slug: &str) -> String {
        self.with_last(&format!("in:#{slug}"))
    }

    pub fn from_person(&self, handle: &str) -> String {
        self.with_last(&format!("from:@{handle}"))
    }

    /// The search box's text with its last word replaced by an operator for this choice.
    fn with_last(&self, operator: &str) -> String {
        let mut words: Vec<&str> = self.typed.split_whitespace().collect();
        words.pop();
        words.push(operator);
        let q = words.join(" ") + " ";
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
    }
}
