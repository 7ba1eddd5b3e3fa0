//! One error type for every handler. It renders itself as a calm page (or a
//! redirect to sign in) and logs server faults with their context.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sea_orm::DbErr;

use crate::views::ErrorPage;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign in required")]
    SignInRequired { next: String },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
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
            AppError::Forbidden => ErrorPage::new(
                status,
                "You cannot do that here",
                "Your account does not have permission for this page or action. If you think it should, ask a coordinator or administrator.",
            ),
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
    match page.render() {
        Ok(body) => (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, "Something went wrong. Please try again.").into_response()
        }
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
