//! Passwords. Changing one's own: the current one first; every other
//! session ends, the one in use is renewed and stays signed in. A forgotten
//! one: a link by email (the page never says whether the address has an
//! account), used once to choose a new password, which ends every session.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{MaybeViewer, Viewer, client_ip, flash};
use super::see_other;
use super::session::{AuthSession, SessionUser};
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::password::NewPassword;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, PasswordChangeError};
use crate::service::password_resets::{self, ResetError};
use crate::state::AppState;
use crate::views::MessagePage;
use crate::views::auth::{ForgotPage, ResetGonePage, ResetPage};
use crate::views::settings::PasswordPage;

pub async fn show(viewer: Viewer) -> PasswordPage {
    PasswordPage {
        ctx: viewer.ctx,
        errors: FormErrors::new(),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    mut auth: AuthSession,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let refuse = |viewer: Viewer, field: &'static str, message: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            PasswordPage {
                ctx: viewer.ctx,
                errors: FormErrors::with(field, message),
            },
        )
            .into_response()
    };
    if form.current.is_empty() {
        return Ok(refuse(viewer, "current", "Enter your current password.".into()));
    }
    let new = match NewPassword::parse(&form.password, Some(&form.confirm)) {
        Ok(new) => new,
        Err(message) => return Ok(refuse(viewer, "password", message.into())),
    };
    let keep = viewer.session.id().map(|id| id.to_string());
    match accounts::change_password(&state.db, viewer.id(), form.current, &new, keep.as_deref()).await {
        Ok((account, ended)) => {
            // The session in use carries the old password's mark: renew it.
            auth.login(&SessionUser::new(account, state.settings.community.open_posting))
                .await
                .map_err(|e| AppError::Other(anyhow::anyhow!("renewing the session: {e}")))?;
            flash(
                &auth.session,
                &format!(
                    "Your password is changed. Signed out of {ended} other session{}.",
                    if ended == 1 { "" } else { "s" }
                ),
            )
            .await;
            Ok(see_other(&format!("/u/{}", viewer.user.handle)))
        }
        Err(PasswordChangeError::WrongCurrent) => {
            Ok(refuse(viewer, "current", "That is not your current password.".into()))
        }
        Err(PasswordChangeError::Db(e)) => Err(e.into()),
        Err(PasswordChangeError::Check(e)) => Err(e.into()),
        Err(PasswordChangeError::Hash(e)) => Err(AppError::Other(e.into())),
    }
}

pub async fn show_forgot(viewer: MaybeViewer) -> ForgotPage {
    ForgotPage {
        ctx: viewer.ctx,
        email: String::new(),
        errors: FormErrors::new(),
    }
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Email a link to choose a new password. Whatever the address (an
/// account's, nobody's, a suspended one's) the page is the same.
pub async fn request_reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    viewer: MaybeViewer,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            let page = ForgotPage {
                ctx: viewer.ctx,
                email: form.email,
                errors: FormErrors::with("email", message),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let client = client_ip(&state, &headers, peer);
    password_resets::request(&state, &email, &client).await?;
    let hours = state.settings.auth.reset_link_hours.max(1);
    Ok(MessagePage {
        ctx: viewer.ctx,
        title: "Check your email".into(),
        message: format!(
            "If an account uses {email}, we have sent a link to choose a new password. It works once and expires in {hours} hour{}. If nothing arrives within a few minutes, check the address or ask an administrator.",
            if hours == 1 { "" } else { "s" }
        ),
    }
    .into_response())
}

/// The page for a link that no longer works: nothing about whose it was.
fn reset_gone(viewer: MaybeViewer) -> Response {
    (StatusCode::GONE, ResetGonePage { ctx: viewer.ctx }).into_response()
}

pub async fn show_reset(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(account) = password_resets::account_for(&state.db, &token).await? else {
        return Ok(reset_gone(viewer));
    };
    Ok(ResetPage {
        ctx: viewer.ctx,
        token,
        email: account.email,
        errors: FormErrors::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Set the new password. Every session of the person ends, and nobody is
/// signed in: they sign in with the new password, which proves it works.
pub async fn reset(
    State(state): State<AppState>,
    mut viewer: MaybeViewer,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    // Checked before the slow hashing, so made-up links cost nothing.
    let Some(account) = password_resets::account_for(&state.db, &token).await? else {
        return Ok(reset_gone(viewer));
    };
    let new = match NewPassword::parse(&form.password, Some(&form.confirm)) {
        Ok(new) => new,
        Err(message) => {
            let page = ResetPage {
                ctx: viewer.ctx,
                token,
                email: account.email,
                errors: FormErrors::with("password", message),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let user_id = match password_resets::reset(&state.db, &token, &new).await {
        Ok(id) => id,
        Err(ResetError::Gone) => return Ok(reset_gone(viewer)),
        Err(ResetError::Db(e)) => return Err(e.into()),
        Err(ResetError::Hash(e)) => return Err(AppError::Other(e.into())),
    };
    // This browser's own session, if it was theirs, ended with the others:
    // start it afresh, so the notice below is not written into it.
    if viewer.user.as_ref().is_some_and(|u| u.id == user_id) {
        viewer.auth.logout().await?;
    }
    flash(
        &viewer.auth.session,
        "Your password is changed, and you are signed out everywhere. Sign in with your new password.",
    )
    .await;
    Ok(see_other("/login"))
}
