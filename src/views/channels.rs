//! The channel directory, a channel's page, a new channel, a private channel's members
//! (`templates/pages/channels/`).

use askama::Template;
use askama_web::WebTemplate;

use super::posts::Composer;
use super::{Choice, PageCtx, Pager};
use crate::domain::form::FormErrors;
use crate::domain::policy::Refusal;
use crate::store::channels::{Channel, ChannelSummary};
use crate::store::groups::JoinRequest;
use crate::store::posts::PostCard;
use crate::store::users::PersonChip;

#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/list.html")]
pub struct ChannelsPage {
    pub ctx: PageCtx,
    pub active: Vec<ChannelSummary>,
    pub archived: Vec<ChannelSummary>,
    pub can_create: bool,
    /// Holds a licence to post, so may ask the coordinators for a channel.
    pub can_request: bool,
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

/// The forms on a channel's members page, kept as typed after an error.
#[derive(Debug, Clone, Default)]
pub struct MemberForms {
    /// Adding a member: who.
    pub handle: String,
    /// People who match what was typed, when it named more than one.
    pub candidates: Vec<PersonChip>,
    /// Naming a deputy: who, and the last day of their cover.
    pub deputy: String,
    pub until: String,
    /// Naming another manager: who.
    pub manager: String,
    /// The channel's details, when changed.
    pub name: Option<String>,
    pub purpose: Option<String>,
}

/// A manager or deputy as the members page lists them.
#[derive(Debug, Clone)]
pub struct StewardLine {
    pub person: PersonChip,
    pub deputy: bool,
    /// The last day of a deputy's cover, in the organisation's zone.
    pub until: String,
    /// A deputy whose cover has ended.
    pub lapsed: bool,
}

/// A channel's members, managers and requests to join, and (for those who
/// run it) its details and who can read it.
#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/members.html")]
pub struct MembersPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub members: Vec<PersonChip>,
    pub stewards: Vec<StewardLine>,
    pub requests: Vec<JoinRequest>,
    /// Runs the channel: members, requests, details, visibility.
    pub can_manage: bool,
    /// Names managers and deputies.
    pub can_name: bool,
    pub visibilities: Vec<Choice>,
    /// Whether the viewer chooses if email-only subscribers may have it.
    pub can_offer: bool,
    pub forms: MemberForms,
    /// The earliest last day a deputy can be given (today), as a date input's `min`.
    pub today: String,
    pub errors: FormErrors,
}

impl MembersPage {
    pub fn name_value(&self) -> &str {
        self.forms.name.as_deref().unwrap_or(&self.channel.name)
    }

    pub fn purpose_value(&self) -> &str {
        self.forms.purpose.as_deref().unwrap_or(&self.channel.description)
    }
}

/// What someone who is not in a private-listed channel sees of it: its
/// purpose and managers, and the way to ask to join. Nothing of its posts
/// or activity.
#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/lobby.html")]
pub struct LobbyPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub managers: Vec<PersonChip>,
    pub can_ask: bool,
    /// Their request waiting, if they sent one.
    pub waiting: Option<JoinRequest>,
    pub message: String,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "pages/channels/show.html")]
pub struct ChannelPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub follower_count: u64,
    pub following: bool,
    pub can_post: bool,
    /// Why the viewer may not post here, when they could do something about
    /// it (apply for a licence, accept the guidelines).
    pub post_refusal: Option<Refusal>,
    pub can_archive: bool,
    pub can_see_members: bool,
    /// A member of a private channel may leave it.
    pub can_leave: bool,
    /// Posts pinned at the top, most recent pin first.
    pub pinned: Vec<PostCard>,
    pub composer: Composer,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
}

impl axum::response::IntoResponse for ChannelPage {
    fn into_response(self) -> axum::response::Response {
        super::sized_page(&self, super::room_for(&self.posts) + super::room_for(&self.pinned))
    }
}
