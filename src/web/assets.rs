//! Static files at their content-hash URLs, with a year-long immutable cache.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::views::assets;

pub async fn serve(Path(path): Path<String>) -> Result<Response, AppError> {
    let (bytes, content_type) = assets::at_url(&format!("/assets/{path}")).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}
