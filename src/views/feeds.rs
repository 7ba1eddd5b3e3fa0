//! The feeds curators follow: the list with health, one feed's settings and its
//! dry run (`templates/pages/feeds/`).

use askama::Template;
use askama_web::WebTemplate;

use super::{Choice, PageCtx};
use crate::domain::feed::FeedLink;
use crate::domain::form::FormErrors;
use crate::store::feeds::Feed;

/// The feeds page: every feed with its health, and forms to add and import.
#[derive(Template, WebTemplate)]
#[template(path = "pages/feeds/list.html")]
pub struct FeedsPage {
    pub ctx: PageCtx,
    pub feeds: Vec<Feed>,
    /// The add form, kept as typed.
    pub url: String,
    pub folder: String,
    pub channels: Vec<Choice>,
    /// Several feeds found on the page given: pick one.
    pub discovered: Vec<FeedLink>,
    pub errors: FormErrors,
}

/// Outcome of a dry run: would this item pass the rules being tried?
pub struct DryRunRow {
    pub title: String,
    pub url: Option<String>,
    pub passes: bool,
}

/// One feed's settings and health.
#[derive(Template, WebTemplate)]
#[template(path = "pages/feeds/show.html")]
pub struct FeedPage {
    pub ctx: PageCtx,
    pub feed: Feed,
    /// The settings form, kept as typed.
    pub title: String,
    pub folder: String,
    pub include: String,
    pub exclude: String,
    pub paused: bool,
    pub channels: Vec<Choice>,
    pub intervals: Vec<Choice>,
    pub errors: FormErrors,
    /// Set after "Try these rules".
    pub dry_run: Option<Vec<DryRunRow>>,
    pub dry_run_passing: usize,
}
