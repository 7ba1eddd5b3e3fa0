//! Profiles: anyone's page, and editing your own.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Confirmed, Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::person::{PersonName, ProfileLine, Work};
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::state::AppState;
use crate::store::{sessions, users};
use crate::views::ConfirmPage;
use crate::views::people::ProfilePage;

async fn profile_page(
    state: &AppState,
    viewer: Viewer,
    handle: &str,
    edits: Option<(ProfileForm, FormErrors)>,
) -> AppResult<ProfilePage> {
    let profile = users::profile_by_handle(&state.db, handle)
        .await?
        .ok_or(AppError::NotFound)?;
    let is_me = profile.person.id == viewer.id();
    let session_count = if is_me {
        sessions::count_for_user(&state.db, viewer.id()).await?
    } else {
        0
    };
    let (form, errors) = edits.unwrap_or_else(|| {
        (
            ProfileForm {
                name: profile.person.name.clone(),
                job_title: profile.job_title.clone(),
                department: profile.department.clone(),
            },
            FormErrors::new(),
        )
    });
    Ok(ProfilePage {
        ctx: viewer.ctx,
        profile,
        is_me,
        name: form.name,
        job_title: form.job_title,
        department: form.department,
        errors,
        session_count,
    })
}

pub async fn show_profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(handle): Path<String>,
) -> AppResult<ProfilePage> {
    profile_page(&state, viewer, &handle.to_lowercase(), None).await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    department: String,
}

pub async fn update_profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let name = PersonName::parse(&form.name).map_err(|m| errors.add("name", m)).ok();
    let job_title = ProfileLine::parse(&form.job_title, "job title")
        .map_err(|m| errors.add("job_title", m))
        .ok();
    let department = ProfileLine::parse(&form.department, "department")
        .map_err(|m| errors.add("department", m))
        .ok();
    let handle = viewer.user.handle.clone();
    let (Some(name), Some(job_title), Some(department)) = (name, job_title, department) else {
        let page = profile_page(&state, viewer, &handle, Some((form, errors))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let work = Work { job_title, department };
    users::update_profile(&state.db, viewer.id(), &name, &work).await?;
    flash(&viewer.session, "Your profile is saved.").await;
    Ok(see_other(&format!("/u/{handle}")))
}

/// `/profile` opened (say after reloading the page a profile form answered):
/// the person's own profile, where that form is.
pub async fn own_profile(viewer: Viewer) -> Response {
    see_other(&format!("/u/{}", viewer.user.handle))
}

/// Sign out everywhere else once the person has confirmed; until then (and
/// when its address is opened) ask.
pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    viewer: Viewer,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    if !confirmed {
        let page = ConfirmPage {
            ctx: viewer.ctx,
            title: "Sign out everywhere else?".into(),
            detail: "Every other browser and device signed in to your account is signed out at once; this one stays signed in. Do this if you have lost a device or think someone else is using your account.".into(),
            action: "/profile/sessions/revoke".into(),
            button: "Sign out everywhere else".into(),
            back: format!("/u/{}", viewer.user.handle),
        };
        return Ok(page.into_response());
    }
    let current = viewer.session.id().map(|id| id.to_string());
    let ended = accounts::end_other_sessions(&state.db, viewer.id(), current.as_deref()).await?;
    flash(
        &viewer.session,
        &format!(
            "Signed out of {ended} other session{}.",
            if ended == 1 { "" } else { "s" }
        ),
    )
    .await;
    Ok(see_other(&format!("/u/{}", viewer.user.handle)))
}
