//! Pages more than one handler shows: a channel's page (shown again with the
//! composer's errors), a thread (shown again with the reply form's), and the
//! "older" and "newer posts" paging every timeline shares.

use std::sync::Arc;

use serde::Deserialize;

use super::extract::Viewer;
use crate::domain::cursor::PageAt;
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, ContentFacts, Deletion};
use crate::domain::time::last_local_day;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::channel_pages::NewestChannel;
use crate::store::channels::{self, Channel, ChannelHead};
use crate::store::groups;
use crate::store::posts::{self, Newer, ThreadHead, Timeline};
use crate::store::replies::Quote;
use crate::views::Choice;
use crate::views::Pager;
use crate::views::channels::ChannelPage;
use crate::views::channels::{LobbyPage, MemberForms, MembersPage, StewardLine};
use crate::views::posts::{Composer, DigestFeature, Holding, ReplyItem, ThreadPage};

/// A channel's members page: its requests to join, managers and members,
/// and the forms of those who run it, as typed.
pub async fn members_page(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    forms: MemberForms,
    errors: FormErrors,
) -> AppResult<MembersPage> {
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let can_manage = policy::can_manage_members(&actor, &facts);
    let tz = state.settings.curation.timezone;
    let stewards = groups::stewards(&state.db, channel.id)
        .await?
        .into_iter()
        .map(|s| StewardLine {
            deputy: s.is_deputy(),
            lapsed: s.lapsed(actor.at),
            until: s.until.map(|u| last_local_day(u, tz)).unwrap_or_default(),
            person: s.person,
        })
        .collect();
    Ok(MembersPage {
        ctx: viewer.ctx.within_section("channels"),
        members: channels::members(&state.db, channel.id).await?,
        requests: if can_manage {
            groups::pending_requests(&state.db, channel.id).await?
        } else {
            Vec::new()
        },
        stewards,
        can_manage,
        can_name: policy::can_name_deputies(&actor, channel.id),
        can_offer: policy::can_offer_to_subscribers(&actor),
        visibilities: policy::Visibility::ALL
            .into_iter()
            .map(|v| Choice {
                value: v.as_str().to_owned(),
                label: v.label().to_owned(),
                selected: v == channel.visibility,
            })
            .collect(),
        today: actor.at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        forms,
        errors,
        channel,
    })
}

/// The members page again after a form on it was refused (422), with what
/// was typed and why.
pub async fn members_again(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    forms: MemberForms,
    errors: FormErrors,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let page = members_page(state, viewer, channel, forms, errors).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// What someone outside a private-listed channel sees: its purpose and
/// managers, and their request to join (waiting, or the form as typed).
pub async fn lobby_page(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    message: String,
    errors: FormErrors,
) -> AppResult<LobbyPage> {
    let actor = viewer.actor();
    let at = actor.at;
    let managers = groups::stewards(&state.db, channel.id)
        .await?
        .into_iter()
        .filter(|s| !s.lapsed(at))
        .map(|s| s.person)
        .collect();
    Ok(LobbyPage {
        can_ask: policy::can_ask_to_join(&actor, &channel.facts(&actor)),
        waiting: groups::pending_request(&state.db, channel.id, actor.user_id).await?,
        ctx: viewer.ctx.within_section("channels"),
        managers,
        message,
        errors,
        channel,
    })
}

/// `?before=…` (from an "older posts" link) or `?after=…` (from a "newer posts" one).
#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub before: Option<String>,
    pub after: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> PageAt {
        PageAt::from_query(self.before.as_deref(), self.after.as_deref())
    }
}

/// The links under a timeline page.
pub fn pager(page: &Timeline) -> Pager {
    Pager {
        older: page.next.map(|c| format!("?before={}", c.encode())),
        newer: page.newer.map(|n| match n {
            Newer::Newest => "?".to_owned(),
            Newer::After(c) => format!("?after={}", c.encode()),
        }),
        newest: matches!(page.newer, Some(Newer::After(_))),
    }
}

/// A channel and its newest page as read, for this viewer: `None` when
/// there is no such channel (whether they may read it is the caller's to ask).
pub async fn newest_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Option<Arc<NewestChannel>>> {
    let every = viewer.user.stamps.map(|s| s.content);
    Ok(state.channel_pages.newest(&state.db, slug, every).await?)
}

/// A channel's page: one page of its posts and the composer as given.
pub async fn channel_page(
    state: &AppState,
    viewer: Viewer,
    newest: &NewestChannel,
    at: PageAt,
    composer: Composer,
) -> AppResult<ChannelPage> {
    let ChannelHead {
        channel,
        follower_count,
        pinned: pinned_ids,
        ..
    } = newest.head.clone();
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    // Pins sit above the newest page only, and once on a page.
    let (page, pinned) = match at {
        PageAt::Newest => {
            let (mut page, pinned) = newest.page(&actor)?;
            page.posts.retain(|p| !pinned_ids.contains(&p.id));
            (page, pinned)
        }
        at => (posts::timeline(&state.db, &[channel.id], at, &actor).await?, Vec::new()),
    };
    Ok(ChannelPage {
        follower_count,
        following: viewer.user.follows.iter().any(|f| f.channel_id == channel.id),
        can_post: policy::can_post_in(&actor, &facts),
        post_refusal: policy::may_post_in(&actor, &facts)
            .err()
            .filter(|r| r.next_step().is_some()),
        can_archive: policy::can_archive_channel(&actor),
        can_see_members: policy::can_manage_channel(&actor, &facts)
            || (channel.visibility.is_private() && policy::can_see_members(&actor, &facts)),
        can_leave: policy::can_leave(&actor, &facts),
        pinned,
        composer,
        pager: pager(&page),
        posts: page.posts,
        channel,
        ctx: viewer.ctx.within_section("channels"),
    })
}

/// The thread page, with the reply form as given (empty, or kept after an error).
pub fn thread_page(
    viewer: Viewer,
    head: ThreadHead,
    reply_body: String,
    quote: Option<Quote>,
    errors: FormErrors,
) -> AppResult<ThreadPage> {
    let ThreadHead {
        post,
        channel,
        card,
        standing,
        week,
        replies,
    } = head;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let content = post.facts();
    let open = post.deleted.is_none() && !post.hidden && !content.scheduled;
    let may_hold = open && policy::can_pin(&actor, &facts);
    let may_feature = open && policy::can_feature(&actor, &facts);
    let deleted_notice = if let Some(when) = &post.deleted {
        let by = if post.deleted_by_author {
            "its author"
        } else {
            "an administrator"
        };
        Some((
            "Post deleted",
            format!(
                "This post was deleted by {by} ({}). Earlier replies are kept below.",
                when.human()
            ),
        ))
    } else if post.hidden && !policy::can_see_hidden(&actor, &content) {
        Some((
            "Post hidden",
            "A moderator hid this post. Earlier replies are kept below.".to_owned(),
        ))
    } else {
        None
    };
    let hidden_reason = post
        .hidden_reason
        .clone()
        .filter(|_| policy::can_see_hidden(&actor, &content));
    let can_reply = policy::can_reply_in(&actor, &facts, &content);
    let reply_refusal = policy::may_reply_in(&actor, &facts, &content)
        .err()
        .filter(|r| r.next_step().is_some());
    let can_moderate = policy::can_moderate(&actor);
    let now = crate::domain::time::now();
    let restore_until = |deletion: Option<Deletion>, content: &ContentFacts| {
        deletion
            .filter(|d| policy::may_restore(&actor, &facts, content, *d, now).is_ok())
            .map(|d| {
                (d.at + chrono::Duration::days(policy::RESTORE_DAYS))
                    .format("%-d %B %Y")
                    .to_string()
            })
    };
    let replies = replies
        .into_iter()
        .map(|reply| ReplyItem {
            can_edit: policy::can_edit(&actor, &facts, &reply.facts),
            can_delete: policy::can_delete(&actor, &facts, &reply.facts),
            restore_until: restore_until(reply.deletion, &reply.facts),
            can_react: can_reply && policy::can_react(&actor, &facts, &reply.facts),
            can_quote: can_reply && !reply.deleted && reply.hidden.is_none(),
            can_report: policy::can_report(&actor, &facts, &reply.facts),
            can_moderate: can_moderate && !reply.facts.deleted,
            reply,
        })
        .collect();
    let holding = may_hold.then_some(Holding {
        pinned: standing.pinned,
        announced: standing.announced,
    });
    let digest_feature = may_feature.then_some(DigestFeature {
        week,
        featured: standing.featured,
    });
    Ok(ThreadPage {
        digest_feature,
        holding,
        restore_until: restore_until(post.deletion, &content),
        can_edit: policy::can_edit(&actor, &facts, &content),
        can_delete: policy::can_delete(&actor, &facts, &content),
        can_react: policy::can_react(&actor, &facts, &content),
        can_report: policy::can_report(&actor, &facts, &content),
        can_moderate: can_moderate && post.deleted.is_none(),
        hidden_reason,
        reply_refusal,
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
