//! The one safe fetcher. Every URL it is given is treated as hostile:
//!
//! - only `http`/`https`; literal IPs in any spelling are checked before use;
//! - names are resolved once, by our own resolver, which drops denied
//!   addresses, and the connection goes to an address that was checked (so
//!   DNS rebinding gets nowhere);
//! - proxies are ignored; redirects are followed by hand (at most 5), each hop
//!   checked again;
//! - connect and total timeouts; the *decoded* body is capped; gzip and brotli
//!   are handled; the content type must be one the caller accepts.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use url::{Host, Url};

use super::addresses::AllowList;

/// Limits for one fetch.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_bytes: usize,
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(20),
            max_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// Why a fetch failed, in words a curator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not a web address")]
    BadUrl,
    #[error("only http and https addresses can be fetched")]
    NotHttp,
    #[error("blocked: {0} resolves to a private or internal address")]
    Blocked(String),
    #[error("no such host: {0}")]
    NoSuchHost(String),
    #[error("could not connect to {0}")]
    Connect(String),
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("too large: more than {0} MB")]
    TooLarge(usize),
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(usize),
    #[error("redirected to an address that is not a web address")]
    BadRedirect,
    #[error("the server answered {} {}", .0, reason(*.0))]
    Status(u16, Option<u64>),
    #[error("not {expected}: got {got}")]
    WrongType { expected: &'static str, got: String },
    #[error("{0}")]
    Other(String),
}

/// "Not Found" for 404, and so on (empty for unknown codes).
fn reason(code: u16) -> &'static str {
    reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

impl FetchError {
    /// Seconds the server asked us to wait (429/503 with Retry-After).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            FetchError::Status(_, after) => *after,
            _ => None,
        }
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the content really came from, after redirects.
    pub url: Url,
    pub status: u16,
    /// Lower-cased media type without parameters, e.g. `text/html`.
    pub media_type: String,
    /// The `charset` parameter, if any.
    pub charset: Option<String>,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Fetched {
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }
}

/// What the caller will accept and already has.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// Acceptable media types (e.g. `["text/html", "application/xhtml+xml"]`); empty accepts any.
    pub accept: &'a [&'a str],
    /// Shown in errors: "not a feed", "not a web page".
    pub expected: &'static str,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

/// Resolves names once and keeps only the addresses the policy permits.
struct GuardedResolver {
    allow: Arc<AllowList>,
}

#[derive(Debug)]
struct BlockedHost(String);

impl std::fmt::Display for BlockedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves only to denied addresses", self.0)
    }
}

impl std::error::Error for BlockedHost {}

#[derive(Debug)]
struct UnknownHost(String);

impl std::fmt::Display for UnknownHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} does not resolve", self.0)
    }
}

impl std::error::Error for UnknownHost {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let lookup = tokio::net::lookup_host(format!("{host}:0")).await;
            let found: Vec<SocketAddr> = match lookup {
                Ok(addrs) => addrs.collect(),
                Err(_) => return Err(Box::new(UnknownHost(host)) as Box<dyn std::error::Error + Send + Sync>),
            };
            if found.is_empty() {
                return Err(Box::new(UnknownHost(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            let permitted: Vec<SocketAddr> = found.into_iter().filter(|a| allow.permits(&host, a.ip())).collect();
            if permitted.is_empty() {
                return Err(Box::new(BlockedHost(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    limits: Limits,
}

impl Fetcher {
    pub fn new(allow: AllowList, limits: Limits) -> anyhow::Result<Self> {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(Policy::none())
            .connect_timeout(limits.connect_timeout)
            .dns_resolver(Arc::new(GuardedResolver { allow: allow.clone() }))
            .user_agent(concat!(
                "Commonroom/",
                env!("CARGO_PKG_VERSION"),
                " (+internal knowledge sharing)"
            ))
            .gzip(true)
            .brotli(true)
            .build()?;
        Ok(Self { client, allow, limits })
    }

    /// Check a URL before any connection: scheme, and literal addresses in any spelling.
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::NotHttp);
        }
        let ip: Option<IpAddr> = match url.host() {
            None => return Err(FetchError::BadUrl),
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(_)) => None,
        };
        if let Some(ip) = ip
            && !self.allow.permits(&ip.to_string(), ip)
        {
            return Err(FetchError::Blocked(ip.to_string()));
        }
        Ok(())
    }

    /// GET a URL under the limits, following redirects by hand.
    pub async fn get(&self, raw: &str, request: &Request<'_>) -> Result<Fetched, FetchError> {
        let total = self.limits.total_timeout;
        match tokio::time::timeout(total, self.get_inner(raw, request)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(total.as_secs())),
        }
    }

    async fn get_inner(&self, raw: &str, request: &Request<'_>) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(raw.trim()).map_err(|_| FetchError::BadUrl)?;
        for _ in 0..=self.limits.max_redirects {
            self.check(&url)?;
            let mut headers = HeaderMap::new();
            if !request.accept.is_empty() {
                let accept = format!("{}, */*;q=0.1", request.accept.join(", "));
                if let Ok(v) = HeaderValue::from_str(&accept) {
                    headers.insert(header::ACCEPT, v);
                }
            }
            if let Some(etag) = request.etag.and_then(|e| HeaderValue::from_str(e).ok()) {
                headers.insert(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = request.last_modified.and_then(|e| HeaderValue::from_str(e).ok()) {
                headers.insert(header::IF_MODIFIED_SINCE, lm);
            }
            let response = self
                .client
                .get(url.clone())
                .headers(headers)
                .send()
                .await
                .map_err(|e| describe(&e, &url))?;
            let status = response.status();
            if status.is_redirection() && status.as_u16() != 304 {
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(FetchError::BadRedirect)?;
                url = url.join(location).map_err(|_| FetchError::BadRedirect)?;
                continue;
            }
            let etag = header_string(response.headers(), header::ETAG);
            let last_modified = header_string(response.headers(), header::LAST_MODIFIED);
            if status.as_u16() == 304 {
                return Ok(Fetched {
                    url,
                    status: 304,
                    media_type: String::new(),
                    charset: None,
                    body: Vec::new(),
                    etag,
                    last_modified,
                });
            }
            if !status.is_success() {
                let retry_after =
                    header_string(response.headers(), header::RETRY_AFTER).and_then(|v| retry_after_secs(&v));
                return Err(FetchError::Status(status.as_u16(), retry_after));
            }
            let content_type = header_string(response.headers(), header::CONTENT_TYPE).unwrap_or_default();
            let (media_type, charset) = split_content_type(&content_type);
            if !request.accept.is_empty() && !request.accept.iter().any(|a| media_type == *a) {
                let got = if media_type.is_empty() {
                    "no content type".to_owned()
                } else {
                    media_type
                };
                return Err(FetchError::WrongType {
                    expected: request.expected,
                    got,
                });
            }
            let body = self.read_capped(response).await?;
            return Ok(Fetched {
                url,
                status: status.as_u16(),
                media_type,
                charset,
                body,
                etag,
                last_modified,
            });
        }
        Err(FetchError::TooManyRedirects(self.limits.max_redirects))
    }

    /// Read the decoded body, stopping as soon as it passes the cap.
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let max = self.limits.max_bytes;
        if response.content_length().is_some_and(|n| n as usize > max)
            && response.headers().get(header::CONTENT_ENCODING).is_none()
        {
            return Err(FetchError::TooLarge(max.div_ceil(1024 * 1024)));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max {
                        return Err(FetchError::TooLarge(max.div_ceil(1024 * 1024)));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) if e.is_timeout() => return Err(FetchError::Timeout(self.limits.total_timeout.as_secs())),
                Err(e) => return Err(FetchError::Other(format!("the download broke off: {}", root_cause(&e)))),
            }
        }
    }
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Retry-After` as seconds (a number, or an HTTP date).
fn retry_after_secs(value: &str) -> Option<u64> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(secs);
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(secs.max(0) as u64)
}

fn split_content_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim().to_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_lowercase())
    });
    (media, charset)
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Turn a reqwest error into words, spotting our resolver's refusals.
fn describe(err: &reqwest::Error, url: &Url) -> FetchError {
    let host = url.host_str().unwrap_or_default().to_owned();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<BlockedHost>().is_some() {
            return FetchError::Blocked(host);
        }
        if e.downcast_ref::<UnknownHost>().is_some() {
            return FetchError::NoSuchHost(host);
        }
        source = e.source();
    }
    if err.is_timeout() {
        FetchError::Timeout(20)
    } else if err.is_connect() {
        FetchError::Connect(host)
    } else {
        FetchError::Other(root_cause(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_is_split_into_media_type_and_charset() {
        assert_eq!(
            split_content_type("Text/HTML; Charset=\"ISO-8859-1\""),
            ("text/html".into(), Some("iso-8859-1".into()))
        );
        assert_eq!(split_content_type(""), (String::new(), None));
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after_secs("120"), Some(120));
        assert_eq!(retry_after_secs("soon"), None);
    }

    #[test]
    fn literal_addresses_in_any_spelling_are_checked() {
        let f = Fetcher::new(AllowList::default(), Limits::default()).unwrap();
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://0/",
            "http://169.254.169.254/",
            "http://[64:ff9b::7f00:1]/",
            "http://10.0.0.1/",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert!(matches!(f.check(&parsed), Err(FetchError::Blocked(_))), "{url}");
        }
        assert_eq!(
            f.check(&Url::parse("file:///etc/passwd").unwrap()),
            Err(FetchError::NotHttp)
        );
        assert_eq!(
            f.check(&Url::parse("ftp://example.org/").unwrap()),
            Err(FetchError::NotHttp)
        );
        assert!(f.check(&Url::parse("https://www.gov.uk/").unwrap()).is_ok());
    }
}
