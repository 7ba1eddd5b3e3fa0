//! A thread, the composer, editing a post or reply, and the reaction buttons
//! (`templates/pages/posts/`, `templates/partials/reactions.html`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;
use crate::domain::policy::Refusal;
use crate::store::channels::Channel;
use crate::store::posts::PostCard;
use crate::store::reactions::{Tally, Target};
use crate::store::replies::{Quote, ReplyView};

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

/// A reply with what the viewer may do to it.
pub struct ReplyItem {
    pub reply: ReplyView,
    pub can_edit: bool,
    pub can_delete: bool,
    /// "until 5 January 2027", when the viewer may restore the deleted reply.
    pub restore_until: Option<String>,
    pub can_react: bool,
    pub can_quote: bool,
    pub can_report: bool,
    /// Moderators hide and restore from the thread too.
    pub can_moderate: bool,
}

impl ReplyItem {
    pub fn reacted_to(&self) -> Target {
        Target::Reply(self.reply.id)
    }

    pub fn tallies(&self) -> &[Tally] {
        &self.reply.reactions
    }
}

#[derive(Template)]
#[template(path = "pages/posts/thread.html")]
pub struct ThreadPage {
    pub ctx: PageCtx,
    pub post: PostCard,
    pub channel: Channel,
    /// "Post deleted" or "Post hidden", and what to say instead of the post.
    pub deleted_notice: Option<(&'static str, String)>,
    /// Hidden, and this viewer (its author or a moderator) still reads it:
    /// the moderator's reason.
    pub hidden_reason: Option<String>,
    /// "until 5 January 2027", when the viewer may restore the deleted post.
    pub restore_until: Option<String>,
    /// For curators: the coming digest's week, and whether this post is featured in it.
    pub digest_feature: Option<DigestFeature>,
    /// For those who pin and announce in this channel: whether this post is.
    pub holding: Option<Holding>,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_reply: bool,
    /// Why the viewer may not reply when something they can do would change
    /// it (accepting the guidelines).
    pub reply_refusal: Option<Refusal>,
    pub can_react: bool,
    pub can_report: bool,
    pub can_moderate: bool,
    pub replies: Vec<ReplyItem>,
    pub reply_body: String,
    pub quote: Option<Quote>,
    pub errors: FormErrors,
}

/// Whether a post is pinned at its channel's top and announced to its
/// followers, as those who can change that see it.
#[derive(Debug, Clone, Copy)]
pub struct Holding {
    pub pinned: bool,
    pub announced: bool,
}

/// A post's place in the coming digest, as a curator sees it.
#[derive(Debug, Clone)]
pub struct DigestFeature {
    /// `2026-W49`.
    pub week: String,
    pub featured: bool,
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

/// The reaction buttons alone, swapped in by htmx after a click.
#[derive(Template, WebTemplate)]
#[template(path = "partials/reactions.html")]
pub struct ReactionsPartial {
    pub on: Target,
    pub tallies: Vec<Tally>,
    pub can_react: bool,
}

/// About what a reply takes on the thread page beyond its text.
const REPLY_BYTES: usize = 3 * 1024;

/// About what the thread page holds besides its post and replies (the
/// reply form, the forms of those who run the channel), with room.
const THREAD_BYTES: usize = 8 * 1024;

impl axum::response::IntoResponse for ThreadPage {
    fn into_response(self) -> axum::response::Response {
        let replies: usize = self.replies.iter().map(|r| REPLY_BYTES + r.reply.body_html.len()).sum();
        super::sized_page(
            &self,
            THREAD_BYTES + super::room_for(std::slice::from_ref(&self.post)) + replies,
        )
    }
}
