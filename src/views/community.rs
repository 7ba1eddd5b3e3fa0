//! The community's own pages: the guidelines, reporting, the moderators'
//! queue and person page, and a person's notices.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;
use crate::domain::moderation::ReportReason;
use crate::store::guidelines::Guidelines;
use crate::store::moderation::{Incident, Notice, QueueItem};
use crate::store::users::Listed;

/// `/guidelines`: the version in force, and accepting it.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/guidelines.html")]
pub struct GuidelinesPage {
    pub ctx: PageCtx,
    pub current: Option<Guidelines>,
    /// The version this person accepted last, and when.
    pub accepted: Option<(i32, String)>,
    pub can_edit: bool,
    /// Where to go back to after accepting.
    pub next: String,
}

impl GuidelinesPage {
    pub fn accepted_current(&self) -> bool {
        match (&self.current, &self.accepted) {
            (Some(g), Some((v, _))) => *v == g.version,
            _ => false,
        }
    }
}

/// `/guidelines/edit`: a moderator writes the next version.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/guidelines_edit.html")]
pub struct GuidelinesEditPage {
    pub ctx: PageCtx,
    pub next_version: i32,
    pub body: String,
    pub summary: String,
    pub errors: FormErrors,
}

/// `/p/{id}/report`, `/r/{id}/report`: tell the moderators what is wrong.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/report.html")]
pub struct ReportPage {
    pub ctx: PageCtx,
    /// What is reported, as the page names it ("post", "reply").
    pub what: &'static str,
    pub action: String,
    pub back: String,
    pub author_name: String,
    pub excerpt: String,
    pub reasons: [ReportReason; 4],
    pub reason: String,
    pub details: String,
    pub errors: FormErrors,
}

/// `/moderation`: the report queue.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/queue.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub items: Vec<QueueItem>,
    /// Open reports in working groups this moderator is not in.
    pub elsewhere: usize,
    /// The item whose form had an error, and the error.
    pub failed: Option<(String, String)>,
}

/// `/moderation/people/{id}`: warn, suspend, break glass, undo.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/person.html")]
pub struct ModPersonPage {
    pub ctx: PageCtx,
    pub person: Listed,
    pub incidents: Vec<Incident>,
    pub is_self: bool,
    /// `datetime-local` default for "hide since": 24 hours ago, local time.
    pub since: String,
    pub timezone: String,
    pub reason: String,
    pub message: String,
    pub errors: FormErrors,
}

/// `/notices`: what moderators told this person.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/notices.html")]
pub struct NoticesPage {
    pub ctx: PageCtx,
    pub notices: Vec<Notice>,
}
