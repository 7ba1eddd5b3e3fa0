//! Static files, compiled into the binary and served at content-hash URLs
//! (`/assets/css/app.1a2b3c4d.css`) with a year-long immutable cache.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

struct Asset {
    /// Path under `assets/`, as templates name it.
    name: &'static str,
    /// The URL it is served at, with its content hash.
    url: String,
    bytes: &'static [u8],
    content_type: &'static str,
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        (
            $name,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $name)).as_slice(),
            $content_type,
        )
    };
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        asset!("css/app.css", "text/css; charset=utf-8"),
        asset!("js/htmx.min.js", "text/javascript; charset=utf-8"),
        asset!("js/app.js", "text/javascript; charset=utf-8"),
        asset!("img/favicon.svg", "image/svg+xml"),
    ]
    .into_iter()
    .map(|(name, bytes, content_type)| {
        let digest = Sha256::digest(bytes);
        let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let url = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("/assets/{stem}.{hash}.{ext}"),
            None => format!("/assets/{name}.{hash}"),
        };
        Asset {
            name,
            url,
            bytes,
            content_type,
        }
    })
    .collect()
});

/// The fingerprinted URL of an asset; an unknown name is a programming error
/// caught by the asset test, so it maps to a URL that 404s rather than panicking.
pub fn url(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or("/assets/missing", |a| a.url.as_str())
}

pub async fn serve(Path(path): Path<String>) -> Result<Response, AppError> {
    let wanted = format!("/assets/{path}");
    let asset = ASSETS.iter().find(|a| a.url == wanted).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url() {
        for name in ["css/app.css", "js/htmx.min.js", "js/app.js", "img/favicon.svg"] {
            let u = url(name);
            assert!(u.starts_with("/assets/") && u != "/assets/missing", "{name} -> {u}");
        }
    }
}
