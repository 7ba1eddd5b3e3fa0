//! The askama template structs, one file per feature mirroring
//! `templates/pages/<feature>/`, and here what every page shares: the frame
//! (`PageCtx`), the error and message pages, a `<select>` choice. Templates
//! are checked against these structs at compile time; views read store's
//! view structs and never the database.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod channels;
pub mod community;
pub mod digest;
pub mod feeds;
pub mod home;
pub mod inbox;
pub mod notifications;
pub mod people;
pub mod posts;
pub mod search;
pub mod settings;
pub mod share;
pub mod subscriptions;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;

use crate::domain::policy::{self, Actor, Refusal};
use crate::store::posts::PostCard;

/// Types whose text is digits, ASCII letters, spaces and `-:+/` around
/// nothing but numbers: no page needs them escaped, and askama writes them
/// straight into the page (a timeline shows some hundreds of them).
macro_rules! written_as_they_are {
    ($($t:ty),*) => {$(
        impl askama::filters::HtmlSafe for $t {}

        impl askama::FastWritable for $t {
            fn write_into<W: std::fmt::Write + ?Sized>(
                &self,
                dest: &mut W,
                _: &dyn askama::Values,
            ) -> askama::Result<()> {
                Ok(crate::domain::text::WriteTo::write_to(self, dest)?)
            }
        }
    )*};
}

written_as_they_are!(
    crate::domain::time::Iso,
    crate::domain::time::Human,
    crate::domain::time::Full,
    crate::domain::reaction::Action,
    crate::domain::reaction::Anchor
);

/// A page written into room reserved for it up front: `bytes` beyond what
/// askama reckons from the template alone. Askama's reckoning cannot see
/// how many posts a timeline holds, and a page that outgrows its buffer is
/// copied each time the buffer doubles (a tenth of the work of a kept
/// home page, before). For the pages served most; the others are small.
pub fn sized_page<T: Template>(page: &T, bytes: usize) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut html = String::with_capacity(T::SIZE_HINT + bytes);
    match page.render_into(&mut html) {
        Ok(()) => ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not render a page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// About what a post's card takes on a page beyond its text (its header,
/// reactions and thread link, some two and a half kilobytes), with room.
const CARD_BYTES: usize = 3 * 1024;

/// Room for these cards on a page.
pub fn room_for(cards: &[PostCard]) -> usize {
    cards
        .iter()
        .map(|c| CARD_BYTES + c.body_html.len() + 3 * c.title.len())
        .sum()
}

/// The signed-in person, as the page header shows them.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub handle: String,
    pub initials: String,
    pub is_admin: bool,
    /// Curators and admins see the inbox and feeds.
    pub is_curator: bool,
    /// Moderators (and admins) see the report queue.
    pub is_moderator: bool,
    /// Coordinators (and admins) see applications, requests and registers.
    pub is_coordinator: bool,
    /// The current guidelines await this person's acceptance.
    pub guidelines_pending: bool,
    /// Notifications not yet read (of what this person can read now).
    pub notices: i64,
    /// A moderator's warning awaits acknowledgement: a banner on every page.
    pub warning: bool,
}

impl Me {
    pub fn new(name: &str, handle: &str, actor: &Actor, notices: i64) -> Self {
        Self {
            name: name.to_owned(),
            handle: handle.to_owned(),
            initials: crate::store::users::initials(name),
            is_admin: actor.is_admin(),
            is_curator: policy::can_curate(actor),
            is_moderator: policy::can_moderate(actor),
            is_coordinator: policy::can_coordinate(actor),
            guidelines_pending: actor.guidelines_pending,
            notices,
            warning: false,
        }
    }

    /// With a moderator's warning to acknowledge (or not).
    pub fn warned(mut self, warning: bool) -> Self {
        self.warning = warning;
        self
    }
}

/// What every page's frame needs: who is signed in, a one-time message, asset URLs.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub user: Option<Me>,
    pub flash: Option<String>,
    pub css: &'static str,
    pub htmx: &'static str,
    pub app_js: &'static str,
    pub favicon: &'static str,
    /// Which top-level section is current, for `aria-current` in the navigation.
    pub section: &'static str,
    /// Whether this is the section's own page (its navigation link's target)
    /// rather than a page within it.
    pub section_page: bool,
    /// What the header's search box shows (the current query on the search page).
    pub query: String,
}

impl PageCtx {
    pub fn new(user: Option<Me>, flash: Option<String>) -> Self {
        Self {
            user,
            flash,
            css: assets::url("css/app.css"),
            htmx: assets::url("js/htmx.min.js"),
            app_js: assets::url("js/app.js"),
            favicon: assets::url("img/favicon.svg"),
            section: "",
            section_page: false,
            query: String::new(),
        }
    }

    /// The section's own page: its link in the navigation is this page.
    pub fn in_section(mut self, section: &'static str) -> Self {
        self.section = section;
        self.section_page = true;
        self
    }

    /// A page within the section (a channel, a feed's settings): its link is
    /// marked as the current section but not as this page.
    pub fn within_section(mut self, section: &'static str) -> Self {
        self.section = section;
        self.section_page = false;
        self
    }

    /// The `aria-current` value for the navigation link to `section`, if any.
    pub fn current(&self, section: &str) -> Option<&'static str> {
        (self.section == section).then_some(if self.section_page { "page" } else { "true" })
    }
}

/// The links under a timeline page (`templates/partials/pager.html`).
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// The next older page, if there is one.
    pub older: Option<String>,
    /// The page just newer, if this is not the newest.
    pub newer: Option<String>,
    /// Whether the newest page is further than the newer one.
    pub newest: bool,
}

impl Pager {
    pub fn is_newest_page(&self) -> bool {
        self.newer.is_none()
    }
}

/// An error page, drawn in the site's frame: with the header and navigation
/// when the person is signed in (`web::error_pages` draws it again then), so
/// nobody looks signed out because something went wrong.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    pub refusal: Option<Refusal>,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &str, message: &str) -> Self {
        Self {
            ctx: PageCtx::new(None, None),
            status,
            title: title.into(),
            message: message.into(),
            refusal: None,
        }
    }

    pub fn refused(mut self, refusal: Refusal) -> Self {
        self.refusal = Some(refusal);
        self
    }

    /// The same page for a signed-in person: in the full frame, and worded
    /// for their roles.
    pub fn for_viewer(mut self, me: Me) -> Self {
        if let Some(refusal) = self.refusal {
            self.message = refusal.explain(me.is_admin).to_owned();
        }
        self.ctx = PageCtx::new(Some(me), None);
        self
    }

    pub fn server_fault() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, something went wrong on our side",
            "Nothing you did caused this, and nothing you typed has been lost from the page you came from. Please try again in a moment; if it keeps happening, tell the Commonroom administrators.",
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/message.html")]
pub struct MessagePage {
    pub ctx: PageCtx,
    pub title: String,
    pub message: String,
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// "Are you sure?" before something that destroys or ends something: the
/// page a button's form answers when JavaScript did not ask first (and what
/// its address shows when opened). WCAG 3.3.4.
#[derive(Template, WebTemplate)]
#[template(path = "pages/confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageCtx,
    /// The question, e.g. "Delete this post?".
    pub title: String,
    /// What will happen, and whether it can be undone.
    pub detail: String,
    /// Where the confirmed form goes.
    pub action: String,
    /// The button, e.g. "Delete post".
    pub button: String,
    /// Where "Cancel" leads.
    pub back: String,
}
