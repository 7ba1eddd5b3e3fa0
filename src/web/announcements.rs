//! Pinning a post at its channel's top, announcing it to the channel's
//! followers, and a reader dismissing an announcement from their home page.
//! The work is `service::announcements`'s.

use axum::extract::State;
use axum::response::Response;

use super::access::readable_post;
use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::policy::Refusal;
use crate::error::{AppError, AppResult};
use crate::service::announcements::{self, PinError};
use crate::state::AppState;

fn refused(err: PinError) -> AppError {
    match err {
        PinError::Refused(refusal) => AppError::Forbidden(refusal),
        PinError::Closed => AppError::Forbidden(Refusal::Closed),
        PinError::Full => unreachable!("said on the page instead"),
        PinError::Db(e) => e.into(),
    }
}

async fn pin(state: AppState, viewer: Viewer, id: i64, pinned: bool) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let message = match announcements::set_pinned(&state.db, &viewer.actor(), &channel, &post, pinned).await {
        Ok(_) if pinned => format!("Pinned to the top of #{}.", channel.slug),
        Ok(_) => format!("Unpinned from #{}.", channel.slug),
        Err(PinError::Full) => format!(
            "#{} already has {} pinned posts: unpin one first (its page shows them at the top).",
            channel.slug,
            crate::domain::policy::MAX_PINS
        ),
        Err(err) => return Err(refused(err)),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/p/{}", post.id)))
}

pub async fn pin_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    pin(state, viewer, id, true).await
}

pub async fn unpin_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    pin(state, viewer, id, false).await
}

async fn announce(state: AppState, viewer: Viewer, id: i64, announced: bool) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    announcements::set_announced(&state.db, &viewer.actor(), &channel, &post, announced)
        .await
        .map_err(refused)?;
    let message = if announced {
        format!(
            "Announced: everyone following #{} sees it on their home page.",
            channel.slug
        )
    } else {
        "No longer announced.".to_owned()
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/p/{}", post.id)))
}

pub async fn announce_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    announce(state, viewer, id, true).await
}

pub async fn unannounce_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    announce(state, viewer, id, false).await
}

/// Put an announcement away; it stays in its channel as an ordinary post.
pub async fn dismiss(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    announcements::dismiss(&state.db, &viewer.actor(), id).await?;
    Ok(see_other("/"))
}
