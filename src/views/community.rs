//! The community's own pages: the guidelines, reporting, the moderators'
//! queue and person page, and the coordinators' side:
//! applying for a licence, asking for a channel, deciding both, and the
//! registers.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::application::Status;
use crate::domain::form::FormErrors;
use crate::domain::moderation::ReportReason;
use crate::store::applications::{Application, ChannelName, Contributor, RegisteredChannel, Request};
use crate::store::guidelines::Guidelines;
use crate::store::moderation::{Incident, QueueItem};
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

/// `/apply`: ask for a licence to post, or see where an application stands.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/apply.html")]
pub struct ApplyPage {
    pub ctx: PageCtx,
    /// Where to go back to afterwards.
    pub next: String,
    /// This person holds a licence to post already.
    pub licensed: bool,
    /// The organisation lets everyone post.
    pub open_posting: bool,
    /// Their latest application: waiting, or the decision on it.
    pub latest: Option<Application>,
    /// The channels to choose from: open, not archived.
    pub channels: Vec<ChannelName>,
    pub why: String,
    pub chosen: Vec<i64>,
    pub trained: String,
    pub manager_name: String,
    pub errors: FormErrors,
}

impl ApplyPage {
    pub fn waiting(&self) -> Option<&Application> {
        self.latest.as_ref().filter(|a| a.is_pending())
    }

    pub fn declined(&self) -> Option<&Application> {
        self.latest.as_ref().filter(|a| a.status == Status::Declined)
    }

    pub fn chose(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
}

/// `/applications`: licence applications and channel requests for the
/// coordinators to decide, waiting ones first.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/applications.html")]
pub struct ApplicationsPage {
    pub ctx: PageCtx,
    pub applications: Vec<Application>,
    pub requests: Vec<Request>,
    /// The form that had an error (`application-3`, `request-4`), and the error.
    pub failed: Option<(String, String)>,
}

impl ApplicationsPage {
    pub fn waiting_applications(&self) -> impl Iterator<Item = &Application> {
        self.applications.iter().filter(|a| a.is_pending())
    }

    pub fn decided_applications(&self) -> impl Iterator<Item = &Application> {
        self.applications.iter().filter(|a| !a.is_pending())
    }

    pub fn waiting_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter().filter(|r| r.is_pending())
    }

    pub fn decided_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter().filter(|r| !r.is_pending())
    }

    /// An error about an item no longer waiting (so without a form to show
    /// it beside), for the top of the page.
    pub fn error_elsewhere(&self) -> Option<&str> {
        let (key, message) = self.failed.as_ref()?;
        let waiting = self
            .waiting_applications()
            .any(|a| *key == format!("application-{}", a.id))
            || self.waiting_requests().any(|r| *key == format!("request-{}", r.id));
        (!waiting).then_some(message.as_str())
    }

    /// The error for one item's form, if that is the one that failed.
    pub fn error_for(&self, key: &str) -> Option<&str> {
        self.failed.as_ref().filter(|(k, _)| k == key).map(|(_, m)| m.as_str())
    }
}

/// `/channels/request`: a contributor asks for a new channel.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/channel_request.html")]
pub struct ChannelRequestPage {
    pub ctx: PageCtx,
    pub name: String,
    pub slug: String,
    pub purpose: String,
    pub manager: String,
    pub errors: FormErrors,
    /// What this person asked for before, newest first.
    pub mine: Vec<Request>,
}

/// `/register/contributors`: everyone holding a licence to post by role.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/register_contributors.html")]
pub struct ContributorsPage {
    pub ctx: PageCtx,
    pub contributors: Vec<Contributor>,
    /// The organisation lets everyone post, beyond this register.
    pub open_posting: bool,
}

/// `/register/channels`: every channel, its managers and its activity.
#[derive(Template, WebTemplate)]
#[template(path = "pages/community/register_channels.html")]
pub struct ChannelRegisterPage {
    pub ctx: PageCtx,
    pub channels: Vec<RegisteredChannel>,
    /// The organisation's zone, in which a deputy's last day is named.
    pub tz: chrono_tz::Tz,
}
