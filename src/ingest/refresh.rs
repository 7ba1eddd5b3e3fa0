//! One feed, end to end: fetch (conditionally, through the safe fetcher),
//! parse, sanitise, dedupe and upsert, then record the feed's health and say
//! when to poll it next. A failure is recorded on that feed alone.

use chrono::{DateTime, Utc};
use url::Url;

use super::fetch::{FetchError, Fetcher, Request};
use super::parse::{self, FEED_TYPES, ParseError};
use super::writer::InboxWriter;
use crate::domain::feed::next_delay;
use crate::domain::time::now;
use crate::store::feeds::{self, Feed};
use crate::store::inbox::Upserted;

/// What one poll did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub feed_id: i64,
    pub result: Polled,
    /// When the feed should be polled again.
    pub next_poll: DateTime<Utc>,
    /// Whether the request carried `If-None-Match`/`If-Modified-Since`.
    pub conditional: bool,
}

#[derive(Debug, Clone)]
pub enum Polled {
    NotModified,
    Fetched(Upserted),
    Failed(String),
}

/// Parse, sanitise, dedupe and store one fetched feed body (the part of a poll
/// after the network, also what the ingest benchmark measures). Feeds
/// ingested at the same time are stored together (see [`InboxWriter`]).
pub async fn ingest(
    writer: &InboxWriter,
    feed: &Feed,
    url: &Url,
    body: &[u8],
    charset: Option<&str>,
) -> Result<(Upserted, Option<String>), ParseError> {
    let parsed = parse::parse(body, url, charset)?;
    let stats = writer
        .store(feed.id, &feed.rules, parsed.items)
        .await
        .map_err(|e| ParseError::Malformed(format!("could not be stored ({e})")))?;
    Ok((stats, parsed.site_url))
}

/// Poll one feed now. Errors are the database's; everything the outside world
/// does wrong is recorded on the feed and reported in the outcome.
pub async fn poll(writer: &InboxWriter, fetcher: &Fetcher, feed: &Feed) -> Result<Outcome, sea_orm::DbErr> {
    let db = writer.db();
    let conditional = feed.etag.is_some() || feed.last_modified.is_some();
    let request = Request {
        accept: FEED_TYPES,
        expected: "a feed",
        etag: feed.etag.as_deref(),
        last_modified: feed.last_modified.as_deref(),
    };
    let fetched = fetcher.get(&feed.url, &request).await;
    let (result, retry_after) = match fetched {
        Ok(page) if page.not_modified() => {
            feeds::record_success(db, feed.id, page.etag.as_deref(), page.last_modified.as_deref(), None).await?;
            (Polled::NotModified, None)
        }
        Ok(page) => match ingest(writer, feed, &page.url, &page.body, page.charset.as_deref()).await {
            Ok((stats, site_url)) => {
                feeds::record_success(
                    db,
                    feed.id,
                    page.etag.as_deref(),
                    page.last_modified.as_deref(),
                    site_url.as_deref(),
                )
                .await?;
                (Polled::Fetched(stats), None)
            }
            Err(err) => (Polled::Failed(err.to_string()), None),
        },
        Err(err) => {
            let words = match &err {
                FetchError::WrongType { got, .. } if got == "text/html" => {
                    "not a feed: got text/html (a web page; add the site's address to find its feed)".to_owned()
                }
                other => other.to_string(),
            };
            (Polled::Failed(words), err.retry_after())
        }
    };
    let failures = match &result {
        Polled::Failed(words) => feeds::record_failure(db, feed.id, words).await?,
        _ => 0,
    };
    let delay = next_delay(feed.poll_minutes, failures, retry_after);
    let next_poll = now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
    Ok(Outcome {
        feed_id: feed.id,
        result,
        next_poll,
        conditional,
    })
}
