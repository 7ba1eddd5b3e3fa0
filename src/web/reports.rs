//! Reporting a post or reply to the moderators (what they send back is a
//! notification: `web::notifications`).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{readable_post, readable_reply};
use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::markdown;
use crate::domain::moderation::{Report, ReportReason, Target};
use crate::domain::policy::{self, Refusal};
use crate::error::{AppError, AppResult};
use crate::service::moderation::{self, ModerationError};
use crate::state::AppState;
use crate::store::users;
use crate::views::community::ReportPage;

/// The report form for a target the viewer may read and report.
async fn report_page(
    state: &AppState,
    viewer: Viewer,
    target: Target,
    reason: String,
    details: String,
    errors: FormErrors,
) -> AppResult<ReportPage> {
    let actor = viewer.actor();
    let (post_id, author_id, body_md, facts, channel) = match target {
        Target::Post(id) => {
            let (post, channel) = readable_post(state, &viewer, id).await?;
            let body = format!("{}\n\n{}", post.title, post.body_md);
            (post.id, post.author_id, body, post.facts(), channel)
        }
        Target::Reply(id) => {
            let (reply, channel) = readable_reply(state, &viewer, id).await?;
            (
                reply.post_id,
                reply.author_id,
                reply.body_md.clone(),
                reply.facts(),
                channel,
            )
        }
    };
    if !policy::can_report(&actor, &channel.facts(&actor), &facts) {
        return Err(AppError::Forbidden(if facts.author_id == actor.user_id {
            Refusal::OwnWords
        } else {
            Refusal::Closed
        }));
    }
    let author_name = users::chips_by_ids(&state.db, &[author_id])
        .await?
        .remove(&author_id)
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(ReportPage {
        what: target.kind(),
        action: match target {
            Target::Post(id) => format!("/p/{id}/report"),
            Target::Reply(id) => format!("/r/{id}/report"),
        },
        back: moderation::link(target, post_id),
        author_name,
        excerpt: markdown::excerpt(&body_md, 400),
        reasons: ReportReason::ALL,
        reason,
        details,
        errors,
        ctx: viewer.ctx,
    })
}

pub async fn report_post_form(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<ReportPage> {
    report_page(
        &state,
        viewer,
        Target::Post(id),
        String::new(),
        String::new(),
        FormErrors::new(),
    )
    .await
}

pub async fn report_reply_form(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<ReportPage> {
    report_page(
        &state,
        viewer,
        Target::Reply(id),
        String::new(),
        String::new(),
        FormErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: String,
}

async fn send_report(state: &AppState, viewer: Viewer, target: Target, form: ReportForm) -> AppResult<Response> {
    let refuse = |field: &'static str, message: &str| FormErrors::with(field, message);
    let errors = match Report::parse(&form.reason, &form.details) {
        Ok(report) => match moderation::report(&state.db, &viewer.actor(), target, &report).await {
            Ok(_) => {
                flash(
                    &viewer.session,
                    "Thank you: the moderators will look at your report. Nobody else is told who reported it.",
                )
                .await;
                let post_id = match target {
                    Target::Post(id) => id,
                    Target::Reply(id) => readable_reply(state, &viewer, id).await?.0.post_id,
                };
                return Ok(see_other(&moderation::link(target, post_id)));
            }
            Err(ModerationError::AlreadyReported) => refuse(
                "reason",
                "You have already reported this. The moderators have it; one report is enough.",
            ),
            Err(ModerationError::NotFound) => return Err(AppError::NotFound),
            Err(ModerationError::Refused(r)) => return Err(AppError::Forbidden(r)),
            Err(ModerationError::Db(e)) => return Err(e.into()),
            Err(other) => return Err(AppError::Other(other.into())),
        },
        Err((field, message)) => refuse(field, message),
    };
    let page = report_page(state, viewer, target, form.reason, form.details, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn report_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    send_report(&state, viewer, Target::Post(id), form).await
}

pub async fn report_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    send_report(&state, viewer, Target::Reply(id), form).await
}
