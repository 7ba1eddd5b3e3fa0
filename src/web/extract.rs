//! Request extractors: who is asking (`Viewer`, `MaybeViewer`) and the page
//! furniture every template needs (`PageCtx`).

use std::net::SocketAddr;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::session::{AuthSession, SessionUser, auth_session};
use crate::domain::policy::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{Me, PageCtx};

const FLASH_KEY: &str = "flash";

/// Leave a one-time message for the next page the person sees.
pub async fn flash(session: &Session, message: &str) {
    if let Err(err) = session.insert(FLASH_KEY, message).await {
        tracing::warn!(error = %err, "could not store a flash message");
    }
}

async fn take_flash(session: &Session) -> Option<String> {
    // Only touch the session when there is a message: removing marks it
    // modified, which would write it back on every page view.
    let message = session.get::<String>(FLASH_KEY).await.ok().flatten()?;
    let _ = session.remove::<String>(FLASH_KEY).await;
    Some(message)
}

/// The signed-in person as the page header shows them.
fn me(user: &SessionUser) -> Me {
    Me::new(&user.name, &user.handle, &user.actor(), user.notices).warned(user.warning)
}

fn is_htmx(parts: &Parts) -> bool {
    parts.headers.contains_key("hx-request")
}

/// A signed-in person. Anyone else is sent to sign in, and back afterwards.
pub struct Viewer {
    pub user: SessionUser,
    pub ctx: PageCtx,
    pub session: Session,
    pub htmx: bool,
}

impl Viewer {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, AppError> {
        let auth = auth_session(parts).await?;
        let Some(user) = auth.user else {
            return Err(sign_in_first(parts));
        };
        let flash = take_flash(&auth.session).await;
        let ctx = PageCtx::new(Some(me(&user)), flash);
        Ok(Self {
            user,
            ctx,
            session: auth.session,
            htmx: is_htmx(parts),
        })
    }
}

/// Send someone who is not signed in to sign in, and back here afterwards.
pub fn sign_in_first(parts: &Parts) -> AppError {
    let next = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    AppError::SignInRequired { next }
}

/// Someone who may or may not be signed in (sign-in and invite pages).
pub struct MaybeViewer {
    pub user: Option<SessionUser>,
    pub ctx: PageCtx,
    pub auth: AuthSession,
}

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, AppError> {
        let auth = auth_session(parts).await?;
        let flash = take_flash(&auth.session).await;
        let user = auth.user.clone();
        let ctx = PageCtx::new(user.as_ref().map(me), flash);
        Ok(Self { user, ctx, auth })
    }
}

/// The client's address, from the socket or (only if configured) the proxy's header.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
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

/// A local path to go back to after an action: never another site.
pub fn local_path(raw: Option<&str>, fallback: &str) -> String {
    match raw {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.contains(['\r', '\n']) => {
            p.to_owned()
        }
        _ => fallback.to_owned(),
    }
}

/// A numeric id from the path. Anything that is not a number is simply "not found".
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        raw.parse().map(Id).map_err(|_| AppError::NotFound)
    }
}

/// Whether a destructive action's form said `confirm=yes` (sent by the
/// confirmation page, or added by the page's script once the person agreed in
/// its dialog) in a POST. Anything else (a GET, an empty or unreadable body)
/// is a "not yet": the handler shows the confirmation page instead of acting,
/// so one handler serves the action's address for both methods.
pub struct Confirmed(pub bool);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Confirmed {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        if request.method() != axum::http::Method::POST {
            return Ok(Confirmed(false));
        }
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .unwrap_or_default();
        Ok(Confirmed(
            url::form_urlencoded::parse(&body).any(|(key, value)| key == "confirm" && value == "yes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/c/x?y=1"), "/"), "/c/x?y=1");
        assert_eq!(local_path(Some("//evil.example"), "/"), "/");
        assert_eq!(local_path(Some("https://evil.example"), "/"), "/");
        assert_eq!(local_path(Some("/\\evil.example"), "/"), "/");
        assert_eq!(local_path(None, "/home"), "/home");
    }
}
