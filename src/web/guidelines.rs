//! The community guidelines: anyone reads and accepts them; moderators
//! publish new versions.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Viewer, flash, local_path};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::guidelines::Draft;
use crate::domain::policy::{self, Refusal};
use crate::error::{AppError, AppResult};
use crate::service::guidelines::{self as service, GuidelinesError};
use crate::state::AppState;
use crate::store::guidelines;
use crate::views::community::{GuidelinesEditPage, GuidelinesPage};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NextQuery>,
) -> AppResult<GuidelinesPage> {
    let current = guidelines::current(&state.db).await?;
    let accepted = guidelines::accepted_by(&state.db, viewer.id())
        .await?
        .map(|(v, when)| (v, when.human().to_string()));
    Ok(GuidelinesPage {
        can_edit: policy::can_moderate(&viewer.actor()),
        next: local_path(query.next.as_deref(), "/"),
        ctx: viewer.ctx.in_section("guidelines"),
        current,
        accepted,
    })
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    version: String,
    next: Option<String>,
}

pub async fn accept(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<AcceptForm>,
) -> AppResult<Response> {
    let version: i32 = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("Which version?"))?;
    match service::accept(&state.db, viewer.id(), version).await {
        Ok(()) => {
            flash(
                &viewer.session,
                "Thank you: you have accepted the community guidelines.",
            )
            .await;
            Ok(see_other(&local_path(form.next.as_deref(), "/")))
        }
        Err(GuidelinesError::Changed) => {
            flash(
                &viewer.session,
                "The guidelines changed while you were reading. Here is the new version to accept.",
            )
            .await;
            Ok(see_other("/guidelines"))
        }
        Err(GuidelinesError::NoneYet) => Err(AppError::NotFound),
        Err(GuidelinesError::Refused(r)) => Err(AppError::Forbidden(r)),
        Err(GuidelinesError::Db(e)) => Err(e.into()),
    }
}

async fn edit_page(
    state: &AppState,
    viewer: Viewer,
    body: String,
    summary: String,
    errors: FormErrors,
) -> AppResult<GuidelinesEditPage> {
    if !policy::can_moderate(&viewer.actor()) {
        return Err(AppError::Forbidden(Refusal::ModeratorsOnly));
    }
    let current = guidelines::current(&state.db).await?;
    Ok(GuidelinesEditPage {
        next_version: current.as_ref().map_or(1, |g| g.version + 1),
        body: if body.is_empty() && errors.is_empty() {
            current.map(|g| g.body_md).unwrap_or_default()
        } else {
            body
        },
        summary,
        errors,
        ctx: viewer.ctx.in_section("guidelines"),
    })
}

pub async fn edit(State(state): State<AppState>, viewer: Viewer) -> AppResult<GuidelinesEditPage> {
    edit_page(&state, viewer, String::new(), String::new(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    summary: String,
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PublishForm>,
) -> AppResult<Response> {
    let draft = match Draft::parse(&form.body, &form.summary) {
        Ok(d) => d,
        Err((field, message)) => {
            let page = edit_page(
                &state,
                viewer,
                form.body,
                form.summary,
                FormErrors::with(field, message),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match service::publish(&state.db, &viewer.actor(), &draft).await {
        Ok(version) => {
            flash(
                &viewer.session,
                &format!("Version {version} is in force: everyone else will be asked to accept it."),
            )
            .await;
            Ok(see_other("/guidelines"))
        }
        Err(GuidelinesError::Refused(r)) => Err(AppError::Forbidden(r)),
        Err(GuidelinesError::Db(e)) => Err(e.into()),
        Err(other) => Err(AppError::Other(other.into())),
    }
}
