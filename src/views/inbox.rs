//! The curator's inbox (`templates/pages/inbox/`).

use askama::Template;
use askama_web::WebTemplate;

use super::{Choice, PageCtx};
use crate::store::inbox::Entry;
use crate::store::posts::PostCard;

/// The curator's inbox.
#[derive(Template, WebTemplate)]
#[template(path = "pages/inbox/inbox.html")]
pub struct InboxPage {
    pub ctx: PageCtx,
    pub entries: Vec<Entry>,
    pub feeds: Vec<Choice>,
    pub folders: Vec<Choice>,
    pub words: String,
    pub dismissed_view: bool,
    pub inbox_days: i64,
    /// This page's address, to come back to after a dismiss without JavaScript.
    pub here: String,
    pub next_url: Option<String>,
    pub is_first_page: bool,
    pub has_feeds: bool,
    pub scheduled: Vec<PostCard>,
}
