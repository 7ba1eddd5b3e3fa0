//! Administrators run the accounts: find anyone, suspend a leaver or a
//! hacked account at once (every session ends), reactivate it, change roles,
//! send a link to choose a new password.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form as MultiForm;
use serde::Deserialize;

use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, AccountError};
use crate::service::password_resets::{self, SendError};
use crate::state::AppState;
use crate::store::users::{self, Listed};
use crate::views::admin::{PeoplePage, PersonPage};

/// Roles an administrator gives from the person page (member is everyone's).
const GIVEN: [Role; 5] = Role::GIVEN;

#[derive(Deserialize)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
}

pub async fn list_people(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PeopleQuery>,
) -> AppResult<PeoplePage> {
    let everyone = users::list_accounts(&state.db).await?;
    let total = everyone.len();
    let q = query.q.trim().to_lowercase();
    let people = everyone
        .into_iter()
        .filter(|p| {
            q.is_empty()
                || p.name.to_lowercase().contains(&q)
                || p.email.contains(&q)
                || p.handle.contains(q.trim_start_matches('@'))
        })
        .collect();
    Ok(PeoplePage {
        ctx: viewer.ctx.in_section("admin"),
        q: query.q.trim().to_owned(),
        people,
        total,
    })
}

async fn person(state: &AppState, id: i64) -> AppResult<Listed> {
    users::listed_by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

fn person_page(state: &AppState, viewer: Viewer, person: Listed, reason: String, errors: FormErrors) -> PersonPage {
    let is_self = person.id == viewer.id();
    PersonPage {
        roles: GIVEN.iter().map(|r| (*r, person.roles.contains(r))).collect(),
        ctx: viewer.ctx.in_section("admin"),
        is_self,
        reset_hours: state.settings.auth.admin_reset_link_hours.max(1),
        person,
        reason,
        errors,
    }
}

/// The person page again, with what was typed and what is wrong.
async fn refused(state: &AppState, viewer: Viewer, id: i64, reason: String, errors: FormErrors) -> AppResult<Response> {
    let person = person(state, id).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        person_page(state, viewer, person, reason, errors),
    )
        .into_response())
}

pub async fn show_person(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<PersonPage> {
    let person = person(&state, id).await?;
    Ok(person_page(&state, viewer, person, String::new(), FormErrors::new()))
}

#[derive(Deserialize)]
pub struct RolesForm {
    #[serde(default)]
    role: Vec<String>,
}

pub async fn save_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    MultiForm(form): MultiForm<RolesForm>,
) -> AppResult<Response> {
    let mut wanted = Vec::new();
    for raw in &form.role {
        match Role::parse(raw).filter(|r| GIVEN.contains(r)) {
            Some(role) => wanted.push(role),
            None => {
                let errors = FormErrors::with("role", "Choose among the roles listed.");
                return refused(&state, viewer, id, String::new(), errors).await;
            }
        }
    }
    // Your own administrator role is not in the form (its box is disabled): keep it.
    if id == viewer.id() {
        wanted.push(Role::Admin);
    }
    let remove: Vec<Role> = GIVEN.iter().copied().filter(|r| !wanted.contains(r)).collect();
    match accounts::change_roles(&state.db, Some(viewer.id()), id, &wanted, &remove).await {
        Ok(_) => {
            flash(&viewer.session, "Roles saved: they apply from the person's next click.").await;
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(AccountError::NoSuchAccount) => Err(AppError::NotFound),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(other) => {
            refused(
                &state,
                viewer,
                id,
                String::new(),
                FormErrors::with("role", other.to_string()),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct SuspendForm {
    #[serde(default)]
    reason: String,
}

/// Longest reason, in characters.
const REASON_MAX: usize = 500;

pub async fn suspend(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<SuspendForm>,
) -> AppResult<Response> {
    let reason = form.reason.trim().to_owned();
    let problem = if reason.is_empty() {
        Some("Say why, for the audit log.")
    } else if reason.chars().count() > REASON_MAX {
        Some("Keep the reason under 500 characters.")
    } else {
        None
    };
    if let Some(message) = problem {
        return refused(&state, viewer, id, form.reason, FormErrors::with("reason", message)).await;
    }
    match accounts::suspend(&state.db, Some(viewer.id()), id, &reason).await {
        Ok(ended) => {
            let message = match ended {
                Some(n) => format!("Suspended: signed out of {n} session(s) at once; they cannot sign in."),
                None => "That account was already suspended.".to_owned(),
            };
            flash(&viewer.session, &message).await;
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(AccountError::NoSuchAccount) => Err(AppError::NotFound),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(other) => {
            refused(
                &state,
                viewer,
                id,
                form.reason,
                FormErrors::with("reason", other.to_string()),
            )
            .await
        }
    }
}

pub async fn reactivate(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    match accounts::reactivate(&state.db, Some(viewer.id()), id).await {
        Ok(done) => {
            let message = if done {
                "Reactivated: they can sign in again."
            } else {
                "That account was not suspended."
            };
            flash(&viewer.session, message).await;
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(AccountError::NoSuchAccount) => Err(AppError::NotFound),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(other) => Err(AppError::Other(other.into())),
    }
}

/// Email the person a link to choose a new password (audited). Their
/// password and sessions stay as they are until the link is used.
pub async fn send_reset_link(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let problem = match password_resets::send_by_admin(&state, viewer.id(), id).await {
        Ok(email) => {
            let hours = state.settings.auth.admin_reset_link_hours.max(1);
            let message = format!(
                "A password reset link is on its way to {email}. It works once, for {hours} hour{}.",
                if hours == 1 { "" } else { "s" }
            );
            flash(&viewer.session, &message).await;
            return Ok(see_other(&format!("/admin/users/{id}")));
        }
        Err(SendError::NoSuchAccount) => return Err(AppError::NotFound),
        Err(SendError::Db(e)) => return Err(e.into()),
        Err(SendError::Suspended) => "A suspended account cannot choose a new password: reactivate it first.",
        Err(SendError::Unsent(err)) => {
            tracing::error!(error = ?err, user.id = id, "could not send a password reset link");
            "The email could not be sent just now. Try again in a few minutes."
        }
    };
    refused(&state, viewer, id, String::new(), FormErrors::with("reset", problem)).await
}
