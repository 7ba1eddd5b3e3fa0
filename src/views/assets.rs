//! Static files, compiled into the binary, each with a content-hash URL
//! (`/assets/css/app.1a2b3c4d.css`) that templates link to and
//! `web::assets` serves.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

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

/// The bytes and media type served at a fingerprinted URL, if it is one.
pub fn at_url(url: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS.iter().find(|a| a.url == url).map(|a| (a.bytes, a.content_type))
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
