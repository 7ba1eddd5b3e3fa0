//! A stand-in for the outside world: an HTTP server on 127.0.0.1:0 serving
//! the feed fixtures, each address with its own behaviour (status, delay,
//! validators, endless or compressed bodies, replies that change between
//! fetches), and remembering every connection and request it saw.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

/// The bytes of a file in `tests/fixtures/feeds/`, as stored.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The day the fixtures' dates were written relative to (their "today").
const FIXTURES_TODAY: (i32, u32, u32) = (2026, 11, 22);

/// Whole days from the fixtures' "today" to this run's, worked out once so a
/// fixture served twice in a run is the same bytes both times.
fn days_since_fixtures_today() -> chrono::Duration {
    static DAYS: std::sync::OnceLock<chrono::Duration> = std::sync::OnceLock::new();
    *DAYS.get_or_init(|| {
        let (y, m, d) = FIXTURES_TODAY;
        let then = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("fixtures' date");
        chrono::Utc::now().date_naive() - then
    })
}

/// A fixture's dates moved by whole days, so that a date written as "the
/// day before the fixtures' today" is the day before this run's today. What
/// the tests see (an item two days old, in a 14-day inbox) then never
/// depends on the date the suite happens to run.
pub fn dated_as_today(body: &[u8]) -> Vec<u8> {
    use chrono::{DateTime, Utc};
    use regex::bytes::{Captures, Regex};
    static DATES: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let dates = DATES.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?P<rfc2822>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\ \d{1,2}\ [A-Z][a-z]{2}\ \d{4}\ \d{2}:\d{2}:\d{2}\ (?:GMT|UT|[+-]\d{4}))
            | (?P<rfc3339>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))",
        )
        .expect("date pattern")
    });
    let shift = days_since_fixtures_today();
    dates
        .replace_all(body, |c: &Captures| {
            let text = String::from_utf8_lossy(&c[0])
                .replace(" GMT", " +0000")
                .replace(" UT", " +0000");
            if c.name("rfc2822").is_some() {
                let at = DateTime::parse_from_rfc2822(&text).expect("an RFC 2822 date") + shift;
                at.with_timezone(&Utc)
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string()
                    .into_bytes()
            } else {
                let at = DateTime::parse_from_rfc3339(&text).expect("an RFC 3339 date") + shift;
                at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true).into_bytes()
            }
        })
        .into_owned()
}

/// The media type a fixture is served as, by its extension and kind.
fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/feed+json",
        Some("rdf") => "application/rdf+xml",
        Some("html") => "text/html; charset=utf-8",
        Some("opml") => "text/x-opml",
        _ if name.contains("atom") => "application/atom+xml",
        _ => "application/rss+xml",
    }
}

#[derive(Clone)]
enum Payload {
    Bytes(Bytes),
    /// 64 KB chunks for ever.
    Endless,
}

/// How one address answers.
#[derive(Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, String)>,
    payload: Payload,
    delay: Option<Duration>,
    /// Answer 304 when the request's `If-None-Match` is this.
    etag: Option<String>,
}

impl Reply {
    /// A fixture file, with the media type its name suggests and its dates
    /// moved to this run's (see [`dated_as_today`]).
    pub fn fixture(name: &str) -> Self {
        Self::bytes(media_type(name), dated_as_today(&fixture(name)))
    }

    pub fn bytes(content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![(header::CONTENT_TYPE, content_type.to_owned())],
            payload: Payload::Bytes(body.into()),
            delay: None,
            etag: None,
        }
    }

    /// A bare status with a short text body.
    pub fn status(code: u16) -> Self {
        Self {
            status: StatusCode::from_u16(code).expect("status code"),
            ..Self::bytes("text/plain", "no feed for you")
        }
    }

    pub fn redirect(code: u16, to: &str) -> Self {
        Self::status(code).header(header::LOCATION, to)
    }

    /// A feed that never ends.
    pub fn endless() -> Self {
        Self {
            payload: Payload::Endless,
            ..Self::bytes("application/rss+xml", "")
        }
    }

    /// 16 MB of zeros in a few kilobytes of gzip.
    pub fn gzip_bomb() -> Self {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..16 {
            enc.write_all(&zeros).expect("compress");
        }
        Self::bytes("application/rss+xml", enc.finish().expect("compress")).header(header::CONTENT_ENCODING, "gzip")
    }

    pub fn content_type(mut self, value: &str) -> Self {
        self.headers.retain(|(n, _)| n != header::CONTENT_TYPE);
        self.header(header::CONTENT_TYPE, value)
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Wait this long before answering.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Send this ETag, and answer 304 to a request that carries it back.
    pub fn etag(mut self, tag: &str) -> Self {
        self.etag = Some(tag.to_owned());
        self.header(header::ETAG, tag)
    }
}

/// One request the world saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
}

struct Inner {
    /// Replies per path; each request takes the first until one is left, which repeats.
    routes: Mutex<HashMap<String, VecDeque<Reply>>>,
    seen: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
    arrivals: watch::Sender<usize>,
}

pub struct World {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl World {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            routes: Mutex::new(HashMap::new()),
            seen: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            arrivals: watch::channel(0).0,
        });
        let app = Router::new().fallback(answer).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let counted = inner.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counted.connections.fetch_add(1, Ordering::SeqCst);
                let app = app.clone();
                tokio::spawn(async move {
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, inner }
    }

    /// The absolute address of a path in this world.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Answer every request for `path` this way from now on.
    pub fn serve(&self, path: &str, reply: Reply) {
        self.serve_in_turn(path, vec![reply]);
    }

    /// Answer the next requests for `path` with these, in turn; the last one repeats.
    pub fn serve_in_turn(&self, path: &str, replies: Vec<Reply>) {
        assert!(!replies.is_empty(), "at least one reply");
        self.inner
            .routes
            .lock()
            .expect("routes")
            .insert(path.to_owned(), replies.into());
    }

    /// Requests seen for `path`, oldest first.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.inner
            .seen
            .lock()
            .expect("seen")
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    pub fn requests(&self, path: &str) -> usize {
        self.seen(path).len()
    }

    pub fn connections(&self) -> usize {
        self.inner.connections.load(Ordering::SeqCst)
    }

    /// Wait (event-driven, no polling) until `path` has been requested `n` times.
    pub async fn arrival(&self, path: &str, n: usize) {
        let mut arrivals = self.inner.arrivals.subscribe();
        let waited =
            tokio::time::timeout(Duration::from_secs(60), arrivals.wait_for(|_| self.requests(path) >= n)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "{path} was requested {} times, expected {n}",
            self.requests(path)
        );
    }
}

async fn answer(State(inner): State<Arc<Inner>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_owned();
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    inner.seen.lock().expect("seen").push(Seen {
        path: path.clone(),
        if_none_match: text(header::IF_NONE_MATCH),
        if_modified_since: text(header::IF_MODIFIED_SINCE),
    });
    inner.arrivals.send_modify(|n| *n += 1);
    let reply = {
        let mut routes = inner.routes.lock().expect("routes");
        match routes.get_mut(&path) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        }
    };
    let Some(reply) = reply else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut out_headers = HeaderMap::new();
    for (name, value) in &reply.headers {
        out_headers.append(name.clone(), HeaderValue::from_str(value).expect("header value"));
    }
    if let Some(tag) = &reply.etag
        && text(header::IF_NONE_MATCH).as_deref() == Some(tag.as_str())
    {
        out_headers.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, out_headers).into_response();
    }
    let body = match reply.payload {
        Payload::Bytes(bytes) => Body::from(bytes),
        Payload::Endless => {
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            Body::from_stream(futures_util::stream::repeat_with(move || {
                Ok::<_, std::io::Error>(chunk.clone())
            }))
        }
    };
    (reply.status, out_headers, body).into_response()
}
