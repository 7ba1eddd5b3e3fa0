//! One error type for every handler. It renders itself as a calm page (or a
//! redirect to sign in), or as JSON under `/api` ([`json_errors`]), and logs
//! server faults with their context.

use askama::Template;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sea_orm::DbErr;

use crate::domain::policy::Refusal;
use crate::service::accounts::CheckError;
use crate::views::ErrorPage;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0:?}")]
    Forbidden(Refusal),
    #[error("sign in required")]
    SignInRequired { next: String },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::search::searcher::SearchError> for AppError {
    fn from(err: crate::search::searcher::SearchError) -> Self {
        AppError::Other(err.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<CheckError> for AppError {
    fn from(err: CheckError) -> Self {
        match err {
            CheckError::Db(err) => AppError::Db(err),
            CheckError::Hash(err) => AppError::Other(err.into()),
        }
    }
}

/// Starting or ending a session failed (the session store, or loading the person).
impl<B> From<axum_login::Error<B>> for AppError
where
    B: axum_login::AuthnBackend + 'static,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    fn from(err: axum_login::Error<B>) -> Self {
        AppError::Other(anyhow::Error::new(err).context("signing in or out"))
    }
}

/// What an error page said, kept on the response so a JSON route can say it
/// as JSON instead (see [`json_errors`]), and so the page can be drawn again
/// inside the signed-in frame (`web::error_pages`).
#[derive(Debug, Clone)]
pub struct Said {
    pub title: String,
    pub message: String,
    /// Why the policy said no, so the message can suit the person's roles.
    pub refusal: Option<Refusal>,
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Db(_) | AppError::Other(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let page = match &self {
            AppError::SignInRequired { next } => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&target).into_response();
            }
            AppError::NotFound => ErrorPage::new(
                status,
                "Page not found",
                "We could not find that page. It may have been moved or deleted, or the address may be mistyped.",
            ),
            AppError::Forbidden(refusal) => {
                ErrorPage::new(status, "You cannot do that here", refusal.explain(false)).refused(*refusal)
            }
            AppError::BadRequest(message) => ErrorPage::new(status, "Something was wrong with that request", message),
            AppError::Db(err) => {
                tracing::error!(error = %err, "database error while handling a request");
                ErrorPage::server_fault()
            }
            AppError::Other(err) => {
                tracing::error!(error = ?err, "unexpected error while handling a request");
                ErrorPage::server_fault()
            }
        };
        render_error(page)
    }
}

/// Render an error page; if even that fails, fall back to plain text.
pub fn render_error(page: ErrorPage) -> Response {
    let status = page.status;
    let said = Said {
        title: page.title.clone(),
        message: page.message.clone(),
        refusal: page.refusal,
    };
    let mut response = match page.render() {
        Ok(body) => (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, "Something went wrong. Please try again.").into_response()
        }
    };
    response.extensions_mut().insert(said);
    response
}

/// For the JSON routes: an error comes back as `{"error": "…"}` with its
/// status, instead of as a page.
pub async fn json_errors(response: Response) -> Response {
    match response.extensions().get::<Said>() {
        Some(Said { message, .. }) => {
            let status = response.status();
            (
                status,
                [(header::CACHE_CONTROL, "no-store")],
                Json(serde_json::json!({ "error": message })),
            )
                .into_response()
        }
        None => response,
    }
}

/// The friendly 404 for unknown addresses.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A handler panicked: log it and show the calm 500 page instead of dropping the connection.
pub fn panic_page(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "a request handler panicked");
    render_error(ErrorPage::server_fault())
}
