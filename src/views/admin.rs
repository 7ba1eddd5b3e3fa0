//! Administration: invites, the site lists and the digest's sending
//! (`templates/pages/admin/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::digest::DigestWeek;
use crate::domain::form::FormErrors;
use crate::domain::role::Role;
use crate::domain::time::When;
use crate::store::digest_outbox::{Refusal, WeekSummary};
use crate::store::invites::InviteRow;
use crate::store::sites::SiteRule;

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/invites.html")]
pub struct InvitesPage {
    pub ctx: PageCtx,
    pub invites: Vec<InviteRow>,
    pub new_link: Option<String>,
    pub email: String,
    pub role: String,
    pub roles: [Role; 6],
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/sites.html")]
pub struct SitesPage {
    pub ctx: PageCtx,
    pub blocked: Vec<SiteRule>,
    pub approved: Vec<SiteRule>,
    pub domain: String,
    pub kind: String,
    pub note: String,
    pub errors: FormErrors,
}

/// One week's sending, as the digest page counts it.
#[derive(Debug, Clone)]
pub struct WeekReport {
    pub week: String,
    pub week_days: String,
    pub sent: i64,
    pub empty: i64,
    pub skipped: i64,
    pub refused: i64,
    /// Waiting to go, being handed over now, or to be tried again.
    pub to_retry: i64,
    pub unconfirmed: i64,
}

impl WeekReport {
    pub fn new(week: DigestWeek, s: &WeekSummary) -> Self {
        Self {
            week: week.to_string(),
            week_days: week.describe(),
            sent: s.sent,
            empty: s.empty,
            skipped: s.skipped,
            refused: s.failed,
            to_retry: s.pending + s.handing,
            unconfirmed: s.unconfirmed,
        }
    }
}

/// An address the mail server refused, with the way to clear it.
#[derive(Debug, Clone)]
pub struct RefusalLine {
    pub email: String,
    pub code: i32,
    pub reason: String,
    /// Which send it was refused in, e.g. `digest 2026-W47`.
    pub source: String,
    pub when: When,
    pub clear_action: String,
}

impl RefusalLine {
    pub fn new(r: Refusal) -> Self {
        Self {
            clear_action: Self::clear_path(&r.email),
            when: When::new(r.recorded_at),
            email: r.email,
            code: r.code,
            reason: r.reason,
            source: r.source,
        }
    }

    /// Where the form that clears `email` goes (the address as one path segment).
    pub fn clear_path(email: &str) -> String {
        // Form encoding writes a space as `+`, which a path would read as a plus.
        let segment: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        format!("/admin/digest/refusals/{}/clear", segment.replace('+', "%20"))
    }
}

/// How the digest's sending went, and the refused addresses (`/admin/digest`).
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/digest.html")]
pub struct DigestAdminPage {
    pub ctx: PageCtx,
    pub weeks: Vec<WeekReport>,
    pub refusals: Vec<RefusalLine>,
}

/// `/admin/users`: everyone with an account, searchable.
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/people.html")]
pub struct PeoplePage {
    pub ctx: PageCtx,
    pub q: String,
    pub people: Vec<crate::store::users::Listed>,
    pub total: usize,
}

/// `/admin/users/{id}`: one person's status and roles, to change.
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/person.html")]
pub struct PersonPage {
    pub ctx: PageCtx,
    pub person: crate::store::users::Listed,
    /// The roles an administrator can give, and whether this person holds each.
    pub roles: Vec<(Role, bool)>,
    /// It is the administrator's own account (no suspending it).
    pub is_self: bool,
    /// How long a password reset link sent from this page works.
    pub reset_hours: i64,
    pub reason: String,
    pub errors: FormErrors,
}

/// `/audit`: who did what, when, filtered.
#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub actions: Vec<&'static str>,
    pub entries: Vec<AuditLine>,
    /// The query string for the CSV of the same filter.
    pub csv_query: String,
    /// The next page's address, if there are older entries.
    pub older: Option<String>,
    pub errors: FormErrors,
}

pub struct AuditLine {
    pub when: When,
    pub who: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}
