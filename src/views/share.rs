//! The share form (`templates/pages/share/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;
use crate::store::posts::SharedBefore;

/// A channel offered in the share form.
pub struct ShareChannel {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/share/share.html")]
pub struct SharePage {
    pub ctx: PageCtx,
    pub url: String,
    pub title: String,
    pub body: String,
    pub channels: Vec<ShareChannel>,
    pub errors: FormErrors,
    /// "✓ gov.uk is an approved source."
    pub site_note: Option<String>,
    pub shared_before: Vec<SharedBefore>,
    /// The "Share to Commonroom" bookmarklet for this server.
    pub bookmarklet: String,
    /// The inbox entry being shared, if it came from the inbox.
    pub item: Option<i64>,
    /// The feed it came from, shown on the form.
    pub source_feed: Option<String>,
    /// "Publish at" as typed (`YYYY-MM-DDTHH:MM`, the organisation's time zone); empty for now.
    pub publish_at: String,
    pub timezone: String,
    /// Curators may schedule a share for later.
    pub can_schedule: bool,
}

impl SharePage {
    pub fn publish_hint(&self) -> String {
        format!("Leave empty to share now. Times are {} time.", self.timezone)
    }
}
