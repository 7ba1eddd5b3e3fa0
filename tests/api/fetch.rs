//! The safe fetcher against a real "outside world" served on loopback:
//! internal addresses are refused before any connection, limits hold, and
//! link previews fill the composer.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use commonroom::domain::role::Role;
use commonroom::ingest::addresses::AllowList;
use commonroom::ingest::fetch::{FetchError, Fetcher, Limits, Request};
use commonroom::ingest::preview;

use crate::helpers::{Backend, spawn_app_with};

const PAGE: &str = r#"<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Gritting routes for this winter">
<meta property="og:description" content="Which roads we treat first, and why.">
<link rel="canonical" href="/news/gritting"></head><body><h1>Gritting</h1></body></html>"#;

async fn redirect(Path(n): Path<u32>) -> Response {
    if n == 0 {
        return ([(header::CONTENT_TYPE, "text/html")], PAGE).into_response();
    }
    (StatusCode::FOUND, [(header::LOCATION, format!("/r/{}", n - 1))]).into_response()
}

fn gzip_bomb() -> Vec<u8> {
    // 16 MB of zeros in a few kilobytes: far past the 1 MB cap once decoded.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..16 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

/// A small web server standing in for the outside world; counts connections.
async fn outside_world() -> (SocketAddr, Arc<AtomicUsize>) {
    let bomb = Arc::new(gzip_bomb());
    let app = Router::new()
        .route(
            "/page",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route(
            "/text",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "just text") }),
        )
        .route("/r/{n}", get(redirect))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/endless",
            get(|| async {
                let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
                let stream = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
                ([(header::CONTENT_TYPE, "text/html")], Body::from_stream(stream))
            }),
        )
        .route(
            "/bomb",
            get(move || {
                let bomb = bomb.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "text/html"), (header::CONTENT_ENCODING, "gzip")],
                        bomb.as_ref().clone(),
                    )
                }
            }),
        )
        .route(
            "/busy",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                    "slow down",
                )
            }),
        )
        .route(
            "/etag",
            get(|headers: HeaderMap| async move {
                if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    ([(header::CONTENT_TYPE, "text/html"), (header::ETAG, "\"v1\"")], PAGE).into_response()
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let app = app.clone();
            tokio::spawn(async move {
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, count)
}

fn fetcher(allow: &[&str], limits: Limits) -> Fetcher {
    let allow = AllowList::parse(&allow.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    Fetcher::new(allow, limits).unwrap()
}

const HTML: Request<'static> = Request {
    accept: &["text/html"],
    expected: "a web page",
    etag: None,
    last_modified: None,
};

#[tokio::test]
async fn internal_addresses_are_refused_before_any_connection() {
    let (addr, connections) = outside_world().await;
    let port = addr.port();
    let closed = fetcher(&[], Limits::default());
    for url in [
        format!("http://127.0.0.1:{port}/page"),
        format!("http://localhost:{port}/page"),
        format!("http://2130706433:{port}/page"),
        format!("http://0x7f.0.0.1:{port}/page"),
        format!("http://0177.0.0.1:{port}/page"),
        format!("http://127.1:{port}/page"),
        format!("http://[::1]:{port}/page"),
        format!("http://[::ffff:127.0.0.1]:{port}/page"),
        format!("http://[::ffff:7f00:1]:{port}/page"),
    ] {
        let err = closed.get(&url, &HTML).await.unwrap_err();
        assert!(matches!(err, FetchError::Blocked(_)), "{url}: {err}");
        assert!(err.to_string().starts_with("blocked: "), "{err}");
    }
    for url in ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.org/"] {
        assert_eq!(closed.get(url, &HTML).await.unwrap_err(), FetchError::NotHttp, "{url}");
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the target never saw a connection"
    );
}

#[tokio::test]
async fn a_redirect_into_the_internal_network_is_refused() {
    let (outside, _) = outside_world().await;
    let (internal, internal_connections) = outside_world().await;
    // Only the name "localhost" is allowed, so a hop to a literal internal address is not.
    let f = fetcher(&["localhost"], Limits::default());
    let app = Router::new().route(
        "/go",
        get(move || async move {
            (
                StatusCode::FOUND,
                [(header::LOCATION, format!("http://127.0.0.1:{}/page", internal.port()))],
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let redirector = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    assert!(
        f.get(&format!("http://localhost:{}/page", outside.port()), &HTML)
            .await
            .is_ok(),
        "allowed by name"
    );
    let err = f
        .get(&format!("http://localhost:{}/go", redirector.port()), &HTML)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Blocked(_)), "{err}");
    assert_eq!(internal_connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn allowing_an_address_lets_it_through() {
    let (addr, connections) = outside_world().await;
    let open = fetcher(&["127.0.0.1"], Limits::default());
    let page = open
        .get(&format!("http://127.0.0.1:{}/page", addr.port()), &HTML)
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.media_type, "text/html");
    assert!(String::from_utf8_lossy(&page.body).contains("Gritting routes"));
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn redirects_are_followed_by_hand_up_to_five() {
    let (addr, _) = outside_world().await;
    let f = fetcher(&["127.0.0.1"], Limits::default());
    let page = f
        .get(&format!("http://127.0.0.1:{}/r/5", addr.port()), &HTML)
        .await
        .unwrap();
    assert!(page.url.as_str().ends_with("/r/0"), "final address kept: {}", page.url);
    let err = f
        .get(&format!("http://127.0.0.1:{}/r/6", addr.port()), &HTML)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects(5));
}

#[tokio::test]
async fn endless_bodies_and_gzip_bombs_stop_at_the_cap() {
    let (addr, _) = outside_world().await;
    let f = fetcher(
        &["127.0.0.1"],
        Limits {
            max_bytes: 1024 * 1024,
            ..Limits::default()
        },
    );
    for path in ["/endless", "/bomb"] {
        let err = f
            .get(&format!("http://127.0.0.1:{}{path}", addr.port()), &HTML)
            .await
            .unwrap_err();
        assert_eq!(err, FetchError::TooLarge(1), "{path}");
        assert_eq!(err.to_string(), "too large: more than 1 MB");
    }
}

#[tokio::test]
async fn slow_servers_time_out_in_plain_words() {
    let (addr, _) = outside_world().await;
    let f = fetcher(
        &["127.0.0.1"],
        Limits {
            total_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
    );
    let err = f
        .get(&format!("http://127.0.0.1:{}/slow", addr.port()), &HTML)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "timed out after 1 s");
}

#[tokio::test]
async fn wrong_types_statuses_and_validators_are_reported() {
    let (addr, _) = outside_world().await;
    let base = format!("http://127.0.0.1:{}", addr.port());
    let f = fetcher(&["127.0.0.1"], Limits::default());
    let err = f.get(&format!("{base}/text"), &HTML).await.unwrap_err();
    assert_eq!(err.to_string(), "not a web page: got text/plain");
    let err = f.get(&format!("{base}/busy"), &HTML).await.unwrap_err();
    assert_eq!(err, FetchError::Status(429, Some(120)));
    assert_eq!(err.retry_after(), Some(120));
    let first = f.get(&format!("{base}/etag"), &HTML).await.unwrap();
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    let again = f
        .get(
            &format!("{base}/etag"),
            &Request {
                etag: first.etag.as_deref(),
                ..HTML
            },
        )
        .await
        .unwrap();
    assert!(again.not_modified());
    let err = f.get("http://no-such-host.invalid/", &HTML).await.unwrap_err();
    assert!(matches!(err, FetchError::NoSuchHost(_)), "{err}");
}

#[tokio::test]
async fn previews_read_open_graph_tags() {
    let (addr, _) = outside_world().await;
    let f = fetcher(&["127.0.0.1"], Limits::default());
    let p = preview::fetch(&f, &format!("http://127.0.0.1:{}/page", addr.port()))
        .await
        .unwrap();
    assert_eq!(p.title, "Gritting routes for this winter");
    assert_eq!(p.description, "Which roads we treat first, and why.");
    assert_eq!(
        p.canonical,
        Some(format!("http://127.0.0.1:{}/news/gritting", addr.port()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composer_fills_in_from_a_pasted_link() {
    let (addr, _) = outside_world().await;
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.fetch.allow = vec!["127.0.0.1".into()]).await else {
        return;
    };
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Roads", "roads").await;
    let url = format!("http://127.0.0.1:{}/page?utm_source=newsletter", addr.port());
    let r = admin
        .post(
            "/c/roads/preview",
            &[("kind", "link"), ("url", &url), ("title", ""), ("body", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"value="Gritting routes for this winter""#),
        "title filled"
    );
    assert!(
        html.contains("&#62; Which roads we treat first, and why."),
        "summary quoted in the note"
    );
    assert!(
        html.contains(&format!(r#"value="http://127.0.0.1:{}/news/gritting""#, addr.port())),
        "canonical address"
    );
    // What the poster already wrote is kept.
    let r = admin
        .post(
            "/c/roads/preview",
            &[
                ("kind", "link"),
                ("url", &url),
                ("title", "My title"),
                ("body", "My note"),
            ],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"value="My title""#) && html.contains("My note"));
    // An internal address is refused with a clear message, and the text stays.
    let closed = spawn_app_with(Backend::Sqlite, |_| {}).await.unwrap();
    let admin2 = closed.signed_in("ada", Role::Admin).await;
    closed.channel(&admin2, "Roads", "roads").await;
    let r = admin2
        .post(
            "/c/roads/preview",
            &[
                ("kind", "link"),
                ("url", &url),
                ("title", "Kept"),
                ("body", "Kept note"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("We could not read that page (blocked: 127.0.0.1 resolves to a private or internal address)"),
        "{html}"
    );
    assert!(html.contains(r#"value="Kept""#) && html.contains("Kept note"));
}
