//! The channel directory, a channel's page, a new channel, a private channel's members
//! (`templates/pages/channels/`).

use askama::Template;
use askama_web::WebTemplate;

use super::posts::Composer;
use super::{Choice, PageCtx, Pager};
use crate::domain::form::FormErrors;
use crate::domain::policy::Refusal;
use crate::store::channels::{Channel, ChannelSummary};
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

/// A private channel's members, and (for admins) who can read it.
#[derive(Template, WebTemplate)]
#[template(path = "pages/channels/members.html")]
pub struct MembersPage {
    pub ctx: PageCtx,
    pub channel: Channel,
    pub members: Vec<PersonChip>,
    pub can_manage: bool,
    pub visibilities: Vec<Choice>,
    /// Whether the viewer chooses if email-only subscribers may have it.
    pub can_offer: bool,
    /// The add form, kept as typed.
    pub handle: String,
    /// People who match what was typed, when it named more than one.
    pub candidates: Vec<PersonChip>,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
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
    pub composer: Composer,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
}
