//! Who may reach what, in one place: the route layers that keep the
//! curators', moderators', coordinators' and administrators' pages to them (`router.rs` puts them on
//! whole groups of routes), and loaders for the channel, post or reply a
//! request names, checked against the policy for this viewer. Something a
//! viewer may not read looks exactly like something that is not there.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::extract::{Viewer, sign_in_first};
use super::session::auth_session;
use crate::domain::policy::{self, Actor, Refusal};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::store::posts::{self, Post, ThreadHead};
use crate::store::replies::{self, Reply};

/// Let the request through only for a signed-in person the policy allows;
/// anyone else is sent to sign in, or told they cannot.
async fn only(
    allowed: fn(&Actor) -> bool,
    refusal: Refusal,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let (mut parts, body) = request.into_parts();
    let auth = auth_session(&mut parts).await?;
    let Some(user) = auth.user else {
        return Err(sign_in_first(&parts));
    };
    if !allowed(&user.actor()) {
        return Err(AppError::Forbidden(refusal));
    }
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Curators and admins: the feeds and the inbox.
pub async fn curators(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_curate, Refusal::CuratorsOnly, request, next).await
}

/// Those who manage people: invites.
pub async fn people_managers(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_manage_people, Refusal::AdminsOnly, request, next).await
}

/// Moderators (and admins): the report queue, people's moderation pages, the audit log.
pub async fn moderators(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_moderate, Refusal::ModeratorsOnly, request, next).await
}

/// Coordinators (and admins): licence applications, channel requests, the registers.
pub async fn coordinators(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_coordinate, Refusal::CoordinatorsOnly, request, next).await
}

/// Those who keep the site lists.
pub async fn site_keepers(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_manage_sites, Refusal::AdminsOnly, request, next).await
}

/// Those who oversee the digest's sending.
pub async fn mail_keepers(request: Request, next: Next) -> Result<Response, AppError> {
    only(policy::can_oversee_mail, Refusal::AdminsOnly, request, next).await
}

/// A channel the viewer may read, by its slug.
pub async fn readable_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = channels::by_slug(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    if !policy::can_read_channel(&actor, &channel.facts(&actor)) {
        return Err(AppError::NotFound);
    }
    Ok(channel)
}

/// A channel the viewer may read and post in.
pub async fn postable_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = readable_channel(state, viewer, slug).await?;
    let actor = viewer.actor();
    policy::may_post_in(&actor, &channel.facts(&actor)).map_err(AppError::Forbidden)?;
    Ok(channel)
}

/// A channel whose members the viewer may see (members of a private
/// channel, and admins). Someone who cannot even tell a hidden channel
/// exists is told it is not there.
pub async fn channel_for_members(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = channels::by_slug(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    if !policy::can_see_members(&actor, &facts) {
        return Err(
            if policy::can_see_channel_listed(&actor, &facts) && policy::can_read_channel(&actor, &facts) {
                AppError::Forbidden(Refusal::MembersOnly)
            } else {
                AppError::NotFound
            },
        );
    }
    Ok(channel)
}

/// A post the viewer may read, with its channel.
pub async fn readable_post(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<(Post, Channel)> {
    let (post, channel) = posts::with_channel(&state.db, id).await?.ok_or(AppError::NotFound)?;
    may_read(viewer, &post, &channel)?;
    Ok((post, channel))
}

/// A post the viewer may read, with all its thread's page stands on.
pub async fn readable_thread(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<ThreadHead> {
    let week = crate::service::digest::next_week(state).to_string();
    let head = state
        .thread_pages
        .thread(
            &state.db,
            id,
            &week,
            &viewer.actor(),
            viewer.user.stamps.map(|s| s.content),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    may_read(viewer, &head.post, &head.channel)?;
    Ok(head)
}

/// A post the viewer may not read is, to them, not there.
fn may_read(viewer: &Viewer, post: &Post, channel: &Channel) -> AppResult<()> {
    let actor = viewer.actor();
    if policy::can_read_content(&actor, &channel.facts(&actor), &post.facts()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A reply the viewer may read (in a post they may read), with its channel.
pub async fn readable_reply(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<(Reply, Channel)> {
    let reply = replies::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (_, channel) = readable_post(state, viewer, reply.post_id).await?;
    Ok((reply, channel))
}
