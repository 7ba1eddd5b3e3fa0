//! One-click unsubscribe from the weekly digest (RFC 8058), by a signed,
//! per-recipient link that works without signing in. Opening the link only
//! asks (link scanners open every link in an email); the POST — from the
//! page's button, or from a mail program's own "Unsubscribe" with the body
//! `List-Unsubscribe=One-Click` — is what stops the digest. Notification
//! emails carry a link of the same kind, signed for their own purpose, that
//! stops notification email.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::extract::MaybeViewer;
use crate::domain::digest::Recipient;
use crate::error::AppResult;
use crate::service::{digest, notifications};
use crate::state::AppState;
use crate::views::{ConfirmPage, MessagePage};

fn not_valid(viewer: MaybeViewer) -> Response {
    (
        StatusCode::NOT_FOUND,
        MessagePage {
            ctx: viewer.ctx,
            title: "This unsubscribe link does not work".to_owned(),
            message: "It may have been cut short by your email program. Use the whole link from the email, or sign \
                      in and choose what you get under Email settings."
                .to_owned(),
        },
    )
        .into_response()
}

/// Where someone turns the digest back on: account holders in their email
/// settings, email-only subscribers on their own page, by its link in any digest.
fn start_again(recipient: Recipient) -> &'static str {
    match recipient {
        Recipient::Account(_) => "from your email settings",
        Recipient::Subscriber(_) => "by the link at the foot of any digest",
    }
}

/// The link opened: ask first.
pub async fn ask(State(state): State<AppState>, viewer: MaybeViewer, Path(token): Path<String>) -> AppResult<Response> {
    let Some((recipient, email)) = digest::unsubscriber(&state, &token).await? else {
        return Ok(not_valid(viewer));
    };
    Ok(ConfirmPage {
        ctx: viewer.ctx,
        title: "Stop the weekly digest?".to_owned(),
        detail: format!(
            "Commonroom will stop sending its weekly digest to {email}. You can start it again at any time {}.",
            start_again(recipient)
        ),
        action: format!("/unsubscribe/{token}"),
        button: "Unsubscribe".to_owned(),
        back: "/".to_owned(),
    }
    .into_response())
}

/// The button, or the mail program's one-click POST: stop the digest.
pub async fn unsubscribe(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some((recipient, email)) = digest::unsubscribe(&state, &token).await? else {
        return Ok(not_valid(viewer));
    };
    Ok(MessagePage {
        ctx: viewer.ctx,
        title: "You are unsubscribed".to_owned(),
        message: format!(
            "Commonroom will not send its weekly digest to {email} any more. Changed your mind? Start it again {}.",
            start_again(recipient)
        ),
    }
    .into_response())
}

/// A notification email's one-click unsubscribe link opened: ask first.
pub async fn ask_notifications(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some((_, email)) = notifications::unsubscriber(&state, &token).await? else {
        return Ok(not_valid(viewer));
    };
    Ok(ConfirmPage {
        ctx: viewer.ctx,
        title: "Stop notification emails?".to_owned(),
        detail: format!(
            "Commonroom will stop emailing {email} about mentions and announcements. They still show in \
             Commonroom, and you can have them emailed again from your notification settings."
        ),
        action: format!("/unsubscribe/notifications/{token}"),
        button: "Unsubscribe".to_owned(),
        back: "/".to_owned(),
    }
    .into_response())
}

/// The button, or the mail program's one-click POST: no more notification email.
pub async fn unsubscribe_notifications(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some((_, email)) = notifications::unsubscribe(&state, &token).await? else {
        return Ok(not_valid(viewer));
    };
    Ok(MessagePage {
        ctx: viewer.ctx,
        title: "You are unsubscribed".to_owned(),
        message: format!(
            "Commonroom will not email {email} about notifications any more; they still show in Commonroom. \
             Changed your mind? Choose again in your notification settings."
        ),
    }
    .into_response())
}
