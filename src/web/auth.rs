//! Signing in and out, and joining by invite.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Expiry;

use super::extract::{MaybeViewer, client_ip, flash, local_path};
use super::see_other;
use super::session::SessionUser;
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::password::NewPassword;
use crate::domain::person::PersonName;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, SignInError, SignupError};
use crate::state::AppState;
use crate::store::invites::{self, RedeemError};
use crate::store::users;
use crate::views::auth::{InvitePage, LoginPage, SignupPage};
use crate::views::{ConfirmPage, MessagePage};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show_login(State(state): State<AppState>, viewer: MaybeViewer, Query(q): Query<NextQuery>) -> Response {
    let next = local_path(q.next.as_deref(), "/");
    if viewer.user.is_some() {
        return see_other(&next);
    }
    LoginPage {
        ctx: viewer.ctx,
        email: String::new(),
        next,
        remember: false,
        error: None,
        signup_open: !state.settings.auth.signup_domains.is_empty(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    remember: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    mut viewer: MaybeViewer,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let next = local_path(form.next.as_deref(), "/");
    let remember = form.remember.is_some();
    let client = client_ip(&state, &headers, peer);
    let page = |error: String| LoginPage {
        ctx: viewer.ctx.clone(),
        email: form.email.clone(),
        next: next.clone(),
        remember,
        error: Some(error),
        signup_open: !state.settings.auth.signup_domains.is_empty(),
    };

    let account = match accounts::sign_in(&state, &form.email, form.password.clone(), &client).await {
        Ok(account) => account,
        Err(SignInError::Throttled { minutes }) => {
            let message = format!(
                "Too many sign-in attempts. For your security, please wait {minutes} minute{} and try again. If you have forgotten your password, you can choose a new one by email.",
                if minutes == 1 { "" } else { "s" }
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page(message)).into_response());
        }
        Err(SignInError::Mismatch) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page("That email address and password do not match an account. Check them and try again.".into()),
            )
                .into_response());
        }
        Err(SignInError::Check(err)) => return Err(err.into()),
    };
    viewer
        .auth
        .login(&SessionUser::new(account, state.settings.community.open_posting))
        .await?;
    let expiry = if remember {
        Expiry::OnInactivity(time::Duration::days(state.settings.auth.remember_days))
    } else {
        Expiry::OnSessionEnd
    };
    viewer.auth.session.set_expiry(Some(expiry));
    Ok(see_other(&next))
}

/// `/logout` opened or typed: a page with the sign-out button (signing out
/// is a form, so no link or prefetch can do it), or sign-in if already out.
pub async fn ask_logout(viewer: MaybeViewer) -> Response {
    if viewer.user.is_none() {
        return see_other("/login");
    }
    ConfirmPage {
        ctx: viewer.ctx,
        title: "Sign out of Commonroom?".into(),
        detail: "You will need your email address and password to sign in again.".into(),
        action: "/logout".into(),
        button: "Sign out".into(),
        back: "/".into(),
    }
    .into_response()
}

pub async fn logout(mut viewer: MaybeViewer) -> AppResult<Response> {
    viewer.auth.logout().await?;
    Ok(see_other("/login"))
}

fn invite_gone(viewer: MaybeViewer) -> Response {
    (
        StatusCode::GONE,
        MessagePage {
            ctx: viewer.ctx,
            title: "This invite link cannot be used".into(),
            message: "It has already been used, was withdrawn, or has expired. Ask the person who invited you for a new link.".into(),
        },
    )
        .into_response()
}

pub async fn show_invite(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(invite) = invites::find_open(&state.db, &token).await? else {
        return Ok(invite_gone(viewer));
    };
    Ok(InvitePage {
        ctx: viewer.ctx,
        token,
        fixed_email: invite.email.clone(),
        name: String::new(),
        email: invite.email.unwrap_or_default(),
        role: invite.role.label(),
        errors: FormErrors::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    name: String,
    email: Option<String>,
    password: String,
    confirm: String,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    mut viewer: MaybeViewer,
    Path(token): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let Some(invite) = invites::find_open(&state.db, &token).await? else {
        return Ok(invite_gone(viewer));
    };
    let mut errors = FormErrors::new();
    let name = PersonName::parse(&form.name).map_err(|m| errors.add("name", m)).ok();
    let typed_email = invite.email.clone().or(form.email.clone()).unwrap_or_default();
    let email = EmailAddress::parse(&typed_email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let password = NewPassword::parse(&form.password, Some(&form.confirm))
        .map_err(|m| errors.add("password", m))
        .ok();
    let page = |errors: FormErrors, ctx| InvitePage {
        ctx,
        token: token.clone(),
        fixed_email: invite.email.clone(),
        name: form.name.clone(),
        email: typed_email.clone(),
        role: invite.role.label(),
        errors,
    };
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(errors, viewer.ctx.clone())).into_response());
    };
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(errors, viewer.ctx.clone())).into_response());
    }
    let hash = accounts::hash_password(password.expose().to_owned())
        .await
        .map_err(anyhow::Error::new)?;
    let user_id = match invites::redeem(&state.db, &token, email, name, hash).await {
        Ok(id) => id,
        Err(RedeemError::Gone) => return Ok(invite_gone(viewer)),
        Err(RedeemError::EmailTaken) => {
            let errors = FormErrors::with(
                "email",
                "There is already an account with this email address. Sign in instead.",
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(errors, viewer.ctx.clone())).into_response());
        }
        Err(RedeemError::Db(e)) => return Err(e.into()),
    };
    // Their password was set a moment ago: no need to check it again.
    if let Some(account) = users::account_by_id(&state.db, user_id).await? {
        viewer
            .auth
            .login(&SessionUser::new(account, state.settings.community.open_posting))
            .await?;
        flash(
            &viewer.auth.session,
            "Welcome to Commonroom! Follow a few channels to fill your home page.",
        )
        .await;
    }
    tracing::info!(user.id = user_id, "joined by invite");
    Ok(see_other("/channels"))
}

fn signup_page(state: &AppState, ctx: crate::views::PageCtx, email: String, errors: FormErrors) -> SignupPage {
    SignupPage {
        ctx,
        email,
        domains: state.settings.auth.signup_domains.join(", "),
        errors,
    }
}

pub async fn show_signup(State(state): State<AppState>, viewer: MaybeViewer) -> AppResult<Response> {
    if state.settings.auth.signup_domains.is_empty() {
        return Err(AppError::NotFound);
    }
    if viewer.user.is_some() {
        return Ok(see_other("/"));
    }
    Ok(signup_page(&state, viewer.ctx, String::new(), FormErrors::new()).into_response())
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
}

/// Send a sign-up link. The page says the same whether or not the address
/// already has an account, so it cannot be used to find out who does.
pub async fn request_signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    viewer: MaybeViewer,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    if state.settings.auth.signup_domains.is_empty() {
        return Err(AppError::NotFound);
    }
    let refused = |status: StatusCode, message: String, viewer: MaybeViewer, typed: String| {
        let page = signup_page(&state, viewer.ctx, typed, FormErrors::with("email", message));
        (status, page).into_response()
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            return Ok(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                message.into(),
                viewer,
                form.email,
            ));
        }
    };
    let client = client_ip(&state, &headers, peer);
    match accounts::request_signup(&state, &email, &client).await {
        Ok(()) => Ok(MessagePage {
            ctx: viewer.ctx,
            title: "Check your email".into(),
            message: format!(
                "If {email} can join, a link to finish signing up is on its way. It works once and expires in {} hours.",
                state.settings.auth.signup_link_hours
            ),
        }
        .into_response()),
        Err(SignupError::DomainNotAllowed(domains)) => {
            let message = format!(
                "Sign-up is open to addresses at {domains}. Anyone else needs an invite from an administrator."
            );
            Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, message, viewer, form.email))
        }
        Err(SignupError::Unsent(err)) => {
            tracing::error!(error = ?err, "could not send a sign-up email");
            let message = "We could not send the email just now. Please try again in a few minutes.".into();
            Ok(refused(StatusCode::SERVICE_UNAVAILABLE, message, viewer, form.email))
        }
        Err(SignupError::Db(err)) => Err(err.into()),
    }
}
