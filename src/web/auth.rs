//! Signing in and out, and joining by invite.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Expiry;

use super::extract::{MaybeViewer, flash, local_path};
use super::see_other;
use crate::auth::{Credentials, hash_password};
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::password::NewPassword;
use crate::domain::person::PersonName;
use crate::email::messages::{SignupExisting, SignupLink};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invites::{self, RedeemError};
use crate::store::throttle;
use crate::store::users;
use crate::views::{InvitePage, LoginPage, MessagePage, SignupPage};

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

/// The client's address, from the socket or (only if configured) the proxy's header.
fn client_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    if state.settings.server.trust_forwarded_for
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    peer.ip().to_string()
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
    let email_key = format!("account:{}", form.email.trim().to_lowercase());
    let ip_key = format!("ip:{}", client_ip(&state, &headers, peer));
    let auth = &state.settings.auth;
    let page = |error: String| LoginPage {
        ctx: viewer.ctx.clone(),
        email: form.email.clone(),
        next: next.clone(),
        remember,
        error: Some(error),
        signup_open: !state.settings.auth.signup_domains.is_empty(),
    };

    let blocked = match throttle::blocked_until(&state.db, &email_key).await? {
        Some(until) => Some(until),
        None => throttle::blocked_until(&state.db, &ip_key).await?,
    };
    if let Some(until) = blocked {
        let wait = (until - crate::domain::time::now()).num_seconds().max(1);
        let minutes = (wait + 59) / 60;
        let message = format!(
            "Too many sign-in attempts. For your security, please wait {minutes} minute{} and try again. If you have forgotten your password, ask an administrator.",
            if minutes == 1 { "" } else { "s" }
        );
        return Ok((StatusCode::TOO_MANY_REQUESTS, page(message)).into_response());
    }

    let creds = Credentials {
        email: form.email.clone(),
        password: form.password.clone(),
    };
    let user = viewer
        .auth
        .authenticate(creds)
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("authenticating: {e:?}")))?;
    let Some(user) = user else {
        throttle::record_failure(
            &state.db,
            &email_key,
            auth.throttle_limits(auth.max_failures_per_account),
        )
        .await?;
        throttle::record_failure(&state.db, &ip_key, auth.throttle_limits(auth.max_failures_per_ip)).await?;
        tracing::info!(ip = %ip_key, "failed sign-in");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page("That email address and password do not match an account. Check them and try again.".into()),
        )
            .into_response());
    };
    throttle::clear(&state.db, &email_key).await?;
    viewer
        .auth
        .login(&user)
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("starting a session: {e:?}")))?;
    let expiry = if remember {
        Expiry::OnInactivity(time::Duration::days(auth.remember_days))
    } else {
        Expiry::OnSessionEnd
    };
    viewer.auth.session.set_expiry(Some(expiry));
    tracing::info!(user.id = user.id, "signed in");
    Ok(see_other(&next))
}

pub async fn logout(mut viewer: MaybeViewer) -> AppResult<Response> {
    viewer
        .auth
        .logout()
        .await
        .map_err(|e| AppError::Other(anyhow::anyhow!("ending a session: {e:?}")))?;
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
    let hash = hash_password(password.expose().to_owned()).await?;
    let user_id = match invites::redeem(&state.db, &token, email.clone(), name, hash).await {
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
    let creds = Credentials {
        email: email.to_string(),
        password: password.expose().to_owned(),
    };
    if let Ok(Some(user)) = viewer.auth.authenticate(creds).await {
        viewer
            .auth
            .login(&user)
            .await
            .map_err(|e| AppError::Other(anyhow::anyhow!("starting a session: {e:?}")))?;
        flash(
            &viewer.auth.session,
            "Welcome to Commonroom! Follow a few channels to fill your home feed.",
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
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) if state.settings.signup_allowed(email.domain()) => email,
        Ok(_) => {
            let message = format!(
                "Sign-up is open to addresses at {}. Anyone else needs an invite from an administrator.",
                state.settings.auth.signup_domains.join(", ")
            );
            let page = signup_page(&state, viewer.ctx, form.email, FormErrors::with("email", message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(message) => {
            let page = signup_page(&state, viewer.ctx, form.email, FormErrors::with("email", message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let auth = &state.settings.auth;
    let ip_key = format!("signup-ip:{}", client_ip(&state, &headers, peer));
    let email_key = format!("signup:{}", email.as_str());
    let sent = MessagePage {
        ctx: viewer.ctx.clone(),
        title: "Check your email".into(),
        message: format!(
            "If {email} can join, a link to finish signing up is on its way. It works once and expires in {} hours.",
            auth.signup_link_hours
        ),
    };
    if throttle::blocked_until(&state.db, &ip_key).await?.is_some()
        || throttle::blocked_until(&state.db, &email_key).await?.is_some()
    {
        // Same page, no email: a flood of requests sends nothing more.
        tracing::info!(ip = %ip_key, "sign-up request throttled");
        return Ok(sent.into_response());
    }
    throttle::record_failure(
        &state.db,
        &ip_key,
        auth.throttle_limits(auth.max_failures_per_account * 2),
    )
    .await?;
    throttle::record_failure(&state.db, &email_key, auth.throttle_limits(3)).await?;

    let message = if users::account_by_email(&state.db, email.as_str()).await?.is_some() {
        SignupExisting {
            sign_in: format!("{}/login", state.public_base()),
        }
        .render()
    } else {
        let token = invites::create_signup(&state.db, &email, auth.signup_link_hours).await?;
        SignupLink {
            link: format!("{}/invite/{token}", state.public_base()),
            hours: auth.signup_link_hours,
        }
        .render()
    }
    .map_err(|e| AppError::Other(anyhow::anyhow!("rendering the sign-up email: {e}")))?;
    if let Err(err) = state.mailer.send(email.as_str(), message).await {
        tracing::error!(error = ?err, "could not send a sign-up email");
        let page = signup_page(
            &state,
            viewer.ctx,
            form.email,
            FormErrors::with(
                "email",
                "We could not send the email just now. Please try again in a few minutes.",
            ),
        );
        return Ok((StatusCode::SERVICE_UNAVAILABLE, page).into_response());
    }
    Ok(sent.into_response())
}
