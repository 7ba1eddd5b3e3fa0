//! Changing one's own password: the current one first; every other session
//! ends, the one in use is renewed and stays signed in.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Viewer, flash};
use super::see_other;
use super::session::{AuthSession, SessionUser};
use crate::domain::form::FormErrors;
use crate::domain::password::NewPassword;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, PasswordChangeError};
use crate::state::AppState;
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
