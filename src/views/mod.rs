//! The askama template structs, one per page. Templates live in `templates/`
//! and are checked against these structs at compile time.

pub mod assets;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;

use crate::domain::feed::FeedLink;
use crate::domain::form::FormErrors;
use crate::domain::role::Role;
use crate::domain::search::{DocKind, Hit};
use crate::store::channels::{Channel, ChannelRef, ChannelSummary};
use crate::store::feeds::Feed;
use crate::store::inbox::Entry;
use crate::store::invites::InviteRow;
use crate::store::posts::{PostCard, SharedBefore};
use crate::store::reactions::Tally;
use crate::store::replies::{Quote, ReplyView};
use crate::store::sites::SiteRule;
use crate::store::users::{PersonChip, Profile};

/// The signed-in person, as the page header shows them.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub handle: String,
    pub initials: String,
    pub is_admin: bool,
    /// Curators and admins see the inbox and feeds.
    pub is_curator: bool,
}

impl Me {
    pub fn new(name: &str, handle: &str, roles: &[Role]) -> Self {
        Self {
            name: name.to_owned(),
            handle: handle.to_owned(),
            initials: crate::store::users::initials(name),
            is_admin: roles.contains(&Role::Admin),
            is_curator: roles.contains(&Role::Admin) || roles.contains(&Role::Curator),
        }
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
            query: String::new(),
        }
    }

    pub fn in_section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    pub css: &'static str,
    pub favicon: &'static str,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: &str, message: &str) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
            css: assets::url("css/app.css"),
            favicon: assets::url("img/favicon.svg"),
        }
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
#[template(path = "pages/auth/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub email: String,
    pub next: String,
    pub remember: bool,
    pub error: Option<String>,
    pub signup_open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/signup.html")]
pub struct SignupPage {
    pub ctx: PageCtx,
    pub email: String,
    pub domains: String,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/invite.html")]
pub struct InvitePage {
    pub ctx: PageCtx,
    pub token: String,
    pub fixed_email: Option<String>,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/message.html")]
pub struct MessagePage {
    pub ctx: PageCtx,
    pub title: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/feed.html")]
pub struct FeedPage {
    pub ctx: PageCtx,
    pub heading: &'static str,
    pub tab: &'static str,
    pub posts: Vec<PostCard>,
    pub next_url: Option<String>,
    pub is_first_page: bool,
    pub follows_nothing: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/list.html")]
pub struct ChannelsPage {
    pub ctx: PageCtx,
    pub active: Vec<ChannelSummary>,
    pub archived: Vec<ChannelSummary>,
    pub can_create: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/new.html")]
pub struct NewChannelPage {
    pub ctx: PageCtx,
    pub name: String,
    pub slug: String,
    pub description: String,
    /// As typed: `open`, `private-listed` or `private-hidden`.
    pub visibility: String,
    pub errors: FormErrors,
}

impl NewChannelPage {
    pub fn visibilities(&self) -> Vec<Choice> {
        crate::domain::policy::Visibility::ALL
            .into_iter()
            .map(|v| Choice {
                value: v.as_str().to_owned(),
                label: v.label().to_owned(),
                selected: v.as_str() == self.visibility,
            })
            .collect()
    }
}

/// A private channel's members, and (for admins) who can read it.
#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/members.html")]
pub struct MembersPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub members: Vec<PersonChip>,
    pub can_manage: bool,
    pub visibilities: Vec<Choice>,
    /// The add form, kept as typed.
    pub handle: String,
    pub errors: FormErrors,
}

/// The "new post" form, kept as typed when it needs correcting.
#[derive(Debug, Clone, Default)]
pub struct Composer {
    pub kind: String,
    pub title: String,
    pub url: String,
    pub body: String,
    pub errors: FormErrors,
    /// Where "fill in from the link" posts to; empty hides the button.
    pub preview_action: String,
    /// Said after a preview filled the form in.
    pub notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/show.html")]
pub struct ChannelPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub follower_count: u64,
    pub following: bool,
    pub can_post: bool,
    pub can_archive: bool,
    pub can_see_members: bool,
    pub composer: Composer,
    pub posts: Vec<PostCard>,
    pub next_url: Option<String>,
    pub is_first_page: bool,
}

/// A reply with what the viewer may do to it.
pub struct ReplyItem {
    pub reply: ReplyView,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_react: bool,
    pub can_quote: bool,
}

impl ReplyItem {
    pub fn react_url(&self) -> String {
        format!("/r/{}/react", self.reply.id)
    }

    pub fn anchor(&self) -> String {
        format!("reply-{}", self.reply.id)
    }

    pub fn tallies(&self) -> &[Tally] {
        &self.reply.reactions
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/posts/thread.html")]
pub struct ThreadPage {
    pub ctx: PageCtx,
    pub post: PostCard,
    pub channel: Channel,
    pub deleted_notice: Option<String>,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_reply: bool,
    pub can_react: bool,
    pub replies: Vec<ReplyItem>,
    pub reply_body: String,
    pub quote: Option<Quote>,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/posts/edit.html")]
pub struct EditPostPage {
    pub ctx: PageCtx,
    pub post_id: i64,
    pub composer: Composer,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/posts/edit_reply.html")]
pub struct EditReplyPage {
    pub ctx: PageCtx,
    pub reply_id: i64,
    pub post_id: i64,
    pub body: String,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/people/profile.html")]
pub struct ProfilePage {
    pub ctx: PageCtx,
    pub profile: Profile,
    pub is_me: bool,
    pub name: String,
    pub job_title: String,
    pub department: String,
    pub errors: FormErrors,
    pub session_count: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/invites.html")]
pub struct InvitesPage {
    pub ctx: PageCtx,
    pub invites: Vec<InviteRow>,
    pub new_link: Option<String>,
    pub email: String,
    pub role: String,
    pub roles: [Role; 3],
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

/// A channel offered in the share form.
pub struct ShareChannel {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

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
pub struct FeedPageView {
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

/// The curator's inbox.
#[derive(Template, WebTemplate)]
#[template(path = "pages/inbox.html")]
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

#[derive(Template, WebTemplate)]
#[template(path = "pages/share.html")]
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

/// The reaction buttons alone, swapped in by htmx after a click.
#[derive(Template, WebTemplate)]
#[template(path = "partials/reactions.html")]
pub struct ReactionsPartial {
    pub action: String,
    pub anchor: String,
    pub tallies: Vec<Tally>,
    pub can_react: bool,
}

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
#[template(path = "pages/search.html")]
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
