//! Administration: invite links.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invites;
use crate::views::InvitesPage;

fn require_admin(viewer: &Viewer) -> AppResult<()> {
    if policy::can_manage_people(&viewer.actor()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn invites_page(
    state: &AppState,
    viewer: Viewer,
    new_link: Option<String>,
    email: String,
    role: String,
    errors: FormErrors,
) -> AppResult<InvitesPage> {
    Ok(InvitesPage {
        ctx: viewer.ctx.in_section("admin"),
        invites: invites::list(&state.db).await?,
        new_link,
        email,
        role,
        roles: Role::ALL,
        errors,
    })
}

pub async fn list_invites(State(state): State<AppState>, viewer: Viewer) -> AppResult<InvitesPage> {
    require_admin(&viewer)?;
    invites_page(&state, viewer, None, String::new(), "member".into(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn create_invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    require_admin(&viewer)?;
    let mut errors = FormErrors::new();
    let email = if form.email.trim().is_empty() {
        None
    } else {
        EmailAddress::parse(&form.email)
            .map_err(|m| errors.add("email", m))
            .ok()
    };
    let role = Role::parse(&form.role).unwrap_or_else(|| {
        errors.add("role", "Choose a role.");
        Role::Member
    });
    if !errors.is_empty() {
        let page = invites_page(&state, viewer, None, form.email, form.role, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let token = invites::create(
        &state.db,
        viewer.id(),
        email.as_ref(),
        role,
        state.settings.auth.invite_days,
    )
    .await?;
    let link = format!("{}/invite/{token}", state.public_base());
    let page = invites_page(
        &state,
        viewer,
        Some(link),
        String::new(),
        "member".into(),
        FormErrors::new(),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

pub async fn withdraw_invite(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    require_admin(&viewer)?;
    let withdrawn = invites::withdraw(&state.db, viewer.id(), id).await?;
    let message = if withdrawn {
        "The invite was withdrawn; its link no longer works."
    } else {
        "That invite was already used or closed."
    };
    flash(&viewer.session, message).await;
    Ok(see_other("/admin/invites"))
}
