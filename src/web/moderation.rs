//! The moderators' pages: the report queue and what they do from it, and a
//! person's page (warn, suspend, break glass, undo). `router.rs` keeps every
//! route here to moderators; the service checks again.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::moderation::{Reason, Target};
use crate::domain::time::{local_datetime, local_input, now};
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, AccountError};
use crate::service::moderation::{self, ModerationError};
use crate::state::AppState;
use crate::store::users;
use crate::views::community::{ModPersonPage, QueuePage};

fn failed(err: ModerationError) -> AppError {
    match err {
        ModerationError::NotFound => AppError::NotFound,
        ModerationError::Refused(r) => AppError::Forbidden(r),
        ModerationError::Db(e) => e.into(),
        other => AppError::Other(other.into()),
    }
}

async fn queue_page(state: &AppState, viewer: Viewer, failed_item: Option<(String, String)>) -> AppResult<QueuePage> {
    let queue = moderation::queue(&state.db, &viewer.actor()).await.map_err(failed)?;
    Ok(QueuePage {
        items: queue.items,
        elsewhere: queue.elsewhere,
        failed: failed_item,
        ctx: viewer.ctx.in_section("moderation"),
    })
}

pub async fn queue(State(state): State<AppState>, viewer: Viewer) -> AppResult<QueuePage> {
    queue_page(&state, viewer, None).await
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    reason: String,
}

/// `POST /moderation/{kind}/{id}/{action}`: hide, restore or dismiss.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((kind, id, action)): Path<(String, String, String)>,
    Form(form): Form<ActForm>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let target = Target::parse(&kind, id).ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    let message = match action.as_str() {
        "hide" => {
            let reason = match Reason::parse(&form.reason) {
                Ok(r) => r,
                Err(message) => {
                    let key = format!("{}-{}", target.kind(), target.id());
                    let page = queue_page(&state, viewer, Some((key, message.to_owned()))).await?;
                    return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
                }
            };
            match moderation::hide(&state.db, &actor, target, &reason)
                .await
                .map_err(failed)?
            {
                true => {
                    "Hidden: everyone but its author and the moderators sees a notice instead. Its author was told why."
                }
                false => "That was already hidden.",
            }
        }
        "restore" => match moderation::restore(&state.db, &actor, target).await.map_err(failed)? {
            true => "Restored: everyone can read it again, and its author was told.",
            false => "That was not hidden.",
        },
        "dismiss" => {
            moderation::dismiss(&state.db, &actor, target, &form.reason)
                .await
                .map_err(failed)?;
            "Reports dismissed."
        }
        _ => return Err(AppError::NotFound),
    };
    flash(&viewer.session, message).await;
    Ok(see_other("/moderation"))
}

#[derive(Default)]
struct Typed {
    since: Option<String>,
    reason: String,
    message: String,
}

async fn person_page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    typed: Typed,
    errors: FormErrors,
) -> AppResult<ModPersonPage> {
    let person = users::listed_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let tz = state.settings.curation.timezone;
    Ok(ModPersonPage {
        incidents: moderation::incidents(&state.db, id).await?,
        is_self: id == viewer.id(),
        since: typed
            .since
            .unwrap_or_else(|| local_input(now() - chrono::Duration::hours(24), tz)),
        timezone: tz.name().to_owned(),
        reason: typed.reason,
        message: typed.message,
        errors,
        person,
        ctx: viewer.ctx.in_section("moderation"),
    })
}

async fn refused(state: &AppState, viewer: Viewer, id: i64, typed: Typed, errors: FormErrors) -> AppResult<Response> {
    let page = person_page(state, viewer, id, typed, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn person(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<ModPersonPage> {
    person_page(&state, viewer, id, Typed::default(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct WarnForm {
    #[serde(default)]
    message: String,
}

pub async fn warn(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<WarnForm>,
) -> AppResult<Response> {
    let typed = Typed {
        message: form.message.clone(),
        ..Typed::default()
    };
    let message = match Reason::parse(&form.message) {
        Ok(m) => m,
        Err(e) => return refused(&state, viewer, id, typed, FormErrors::with("message", e)).await,
    };
    match moderation::warn(&state.db, &viewer.actor(), id, &message).await {
        Ok(()) => {
            flash(&viewer.session, "Warning sent: they see it until they acknowledge it.").await;
            Ok(see_other(&format!("/moderation/people/{id}")))
        }
        Err(ModerationError::NotYourself) => {
            let errors = FormErrors::with("message", "You cannot warn yourself.");
            refused(&state, viewer, id, typed, errors).await
        }
        Err(e) => Err(failed(e)),
    }
}

#[derive(Deserialize)]
pub struct SuspendForm {
    #[serde(default)]
    suspend_reason: String,
}

pub async fn suspend(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<SuspendForm>,
) -> AppResult<Response> {
    let typed = Typed {
        reason: form.suspend_reason.clone(),
        ..Typed::default()
    };
    let reason = match Reason::parse(&form.suspend_reason) {
        Ok(r) => r,
        Err(e) => return refused(&state, viewer, id, typed, FormErrors::with("suspend_reason", e)).await,
    };
    match accounts::suspend(&state.db, Some(viewer.id()), id, reason.as_str()).await {
        Ok(ended) => {
            let message = match ended {
                Some(n) => format!("Suspended: signed out of {n} session(s) at once; they cannot sign in."),
                None => "That account was already suspended.".to_owned(),
            };
            flash(&viewer.session, &message).await;
            Ok(see_other(&format!("/moderation/people/{id}")))
        }
        Err(AccountError::NoSuchAccount) => Err(AppError::NotFound),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(other) => {
            let errors = FormErrors::with("suspend_reason", other.to_string());
            refused(&state, viewer, id, typed, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct BreakGlassForm {
    #[serde(default)]
    since: String,
    #[serde(default)]
    reason: String,
}

pub async fn break_glass(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<BreakGlassForm>,
) -> AppResult<Response> {
    let typed = Typed {
        since: Some(form.since.clone()),
        reason: form.reason.clone(),
        ..Typed::default()
    };
    let mut errors = FormErrors::new();
    let since = match local_datetime(&form.since, state.settings.curation.timezone) {
        Ok(at) if at > now() => {
            errors.add(
                "since",
                "Choose a time in the past: what they wrote since then is hidden.",
            );
            None
        }
        Ok(at) => Some(at),
        Err(e) => {
            errors.add("since", e);
            None
        }
    };
    let reason = Reason::parse(&form.reason).map_err(|e| errors.add("reason", e)).ok();
    let (Some(since), Some(reason)) = (since, reason) else {
        return refused(&state, viewer, id, typed, errors).await;
    };
    match moderation::break_glass(&state, &viewer.actor(), id, since, &reason).await {
        Ok(done) => {
            flash(
                &viewer.session,
                &format!(
                    "Account stopped: suspended, {} session(s) ended, {} posts and replies hidden pending review. The other moderators were told.",
                    done.sessions_ended, done.hidden
                ),
            )
            .await;
            Ok(see_other(&format!("/moderation/people/{id}")))
        }
        Err(ModerationError::NotYourself) => {
            let errors = FormErrors::with("reason", "You cannot stop your own account.");
            refused(&state, viewer, id, typed, errors).await
        }
        Err(e) => Err(failed(e)),
    }
}

pub async fn undo(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let incident = crate::store::moderation::incident(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let message = match moderation::undo_break_glass(&state.db, &viewer.actor(), id).await {
        Ok(shown) => format!("Undone: {shown} posts and replies are shown again, and the account can sign in."),
        Err(ModerationError::AlreadyUndone) => "That was already undone.".to_owned(),
        Err(e) => return Err(failed(e)),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/moderation/people/{}", incident.user_id)))
}
