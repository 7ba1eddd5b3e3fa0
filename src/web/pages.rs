//! Pages more than one handler shows: a channel's page (shown again with the
//! composer's errors), a thread (shown again with the reply form's), and the
//! "older posts" paging every timeline shares.

use serde::Deserialize;

use super::extract::Viewer;
use crate::domain::cursor::Cursor;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::store::posts::{self, Post};
use crate::store::replies::{self, Quote};
use crate::views::channels::ChannelPage;
use crate::views::posts::{Composer, ReplyItem, ThreadPage};

/// `?before=…`: where an "older posts" link starts.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub before: Option<String>,
}

impl PageQuery {
    pub fn cursor(&self) -> Option<Cursor> {
        self.before.as_deref().and_then(Cursor::decode)
    }
}

/// The "older posts" link after a page that has more.
pub fn next_url(next: Option<Cursor>) -> Option<String> {
    next.map(|c| format!("?before={}", c.encode()))
}

/// A channel's page: its newest posts (or those before `before`) and the composer as given.
pub async fn channel_page(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    before: Option<&str>,
    composer: Composer,
) -> AppResult<ChannelPage> {
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let cursor = before.and_then(Cursor::decode);
    let page = posts::timeline(&state.db, &[channel.id], cursor, &actor).await?;
    Ok(ChannelPage {
        follower_count: channels::follower_count(&state.db, channel.id).await?,
        following: channels::is_following(&state.db, actor.user_id, channel.id).await?,
        can_post: policy::can_post_in(&actor, &facts),
        can_archive: policy::can_archive_channel(&actor),
        can_see_members: policy::can_manage_members(&actor)
            || (channel.visibility.is_private() && policy::can_see_members(&actor, &facts)),
        composer,
        posts: page.posts,
        next_url: next_url(page.next),
        is_first_page: before.is_none(),
        channel,
        ctx: viewer.ctx.within_section("channels"),
    })
}

/// The thread page, with the reply form as given (empty, or kept after an error).
pub async fn thread_page(
    state: &AppState,
    viewer: Viewer,
    post: Post,
    channel: Channel,
    reply_body: String,
    quote: Option<Quote>,
    errors: FormErrors,
) -> AppResult<ThreadPage> {
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let content = post.facts();
    let card = posts::card_by_id(&state.db, post.id, &actor)
        .await?
        .ok_or(AppError::NotFound)?;
    let deleted_notice = if let Some(when) = &post.deleted {
        let by = if post.deleted_by_author {
            "its author"
        } else {
            "an administrator"
        };
        Some(format!(
            "This post was deleted by {by} ({}). Earlier replies are kept below.",
            when.human
        ))
    } else if post.hidden {
        Some("This post has been hidden by a moderator.".to_owned())
    } else {
        None
    };
    let can_reply = policy::can_reply_in(&actor, &facts, &content);
    let replies = replies::for_post(&state.db, post.id, &actor)
        .await?
        .into_iter()
        .map(|reply| ReplyItem {
            can_edit: policy::can_edit(&actor, &facts, &reply.facts),
            can_delete: policy::can_delete(&actor, &facts, &reply.facts),
            can_react: can_reply && policy::can_react(&actor, &facts, &reply.facts),
            can_quote: can_reply && !reply.deleted,
            reply,
        })
        .collect();
    Ok(ThreadPage {
        can_edit: policy::can_edit(&actor, &facts, &content),
        can_delete: policy::can_delete(&actor, &facts, &content),
        can_react: policy::can_react(&actor, &facts, &content),
        can_reply,
        post: card,
        channel,
        deleted_notice,
        replies,
        reply_body,
        quote,
        errors,
        ctx: viewer.ctx,
    })
}
