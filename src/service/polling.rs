//! Polling one feed, end to end: fetch (conditionally, through the safe
//! fetcher), parse, sanitise, dedupe and store, then record the feed's health
//! and say when to poll it next. What the outside world does wrong (a dead
//! host, a page that is not a feed) is recorded on that feed alone and backs
//! it off; a fault of our own (the database) is an error for the caller, and
//! never counted against the feed.
//!
//! The scheduled job (`jobs::poll_feed`), "check now" on the feed's page and
//! `commonroom feeds poll` all poll through here.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use url::Url;

use crate::domain::feed::{Arrivals, ParsedItem, next_delay};
use crate::domain::job::Job;
use crate::domain::time::now;
use crate::ingest::fetch::{FetchError, Fetcher, Request};
use crate::ingest::parse::{self, FEED_TYPES, ParseError};
use crate::ingest::writer::InboxWriter;
use crate::state::AppState;
use crate::store::feeds::{self, Feed};
use crate::store::inbox::{self, Upserted};
use crate::store::jobs;

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
    /// The feed failed, in words for the curator (recorded on the feed).
    Failed(String),
}

/// Why fetched bytes did not end up stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The feed's fault: recorded on the feed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Ours: the items could not be written.
    #[error("its items could not be stored: {0}")]
    Store(#[from] DbErr),
}

/// Parse, sanitise, dedupe and store one fetched feed body (the part of a
/// poll after the network, also what the ingest benchmark measures). Feeds
/// ingested at the same time are stored together (see [`InboxWriter`]).
pub async fn ingest(
    writer: &InboxWriter,
    feed: &Feed,
    url: &Url,
    body: &[u8],
    charset: Option<&str>,
) -> Result<(Upserted, Option<String>), IngestError> {
    let parsed = parse::parse(body, url, charset)?;
    let stats = store_items(writer, feed, parsed.items).await?;
    Ok((stats, parsed.site_url))
}

/// Store items already parsed, through the writer.
pub async fn store_items(writer: &InboxWriter, feed: &Feed, items: Vec<ParsedItem>) -> Result<Upserted, DbErr> {
    writer.store(feed.id, &feed.rules, items).await
}

/// Poll one feed now. An error is ours (the database); everything the
/// outside world does wrong is recorded on the feed and reported in the outcome.
pub async fn poll(writer: &InboxWriter, fetcher: &Fetcher, feed: &Feed) -> Result<Outcome, DbErr> {
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
            Err(IngestError::Parse(err)) => (Polled::Failed(err.to_string()), None),
            Err(IngestError::Store(err)) => return Err(err),
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

/// What a fetch that began at `since` added to a feed (`new` items), and
/// how many of those the inbox leaves out for their age.
pub async fn arrivals(state: &AppState, feed_id: i64, new: usize, since: DateTime<Utc>) -> Result<Arrivals, DbErr> {
    if new == 0 {
        return Ok(Arrivals::default());
    }
    let cutoff = now() - chrono::Duration::days(state.settings.curation.inbox_window_days());
    let older = inbox::seen_since_but_older(&state.db, feed_id, since, cutoff).await?;
    Ok(Arrivals {
        new,
        too_old: usize::try_from(older).unwrap_or(usize::MAX).min(new),
    })
}

/// What "poll now" did.
#[derive(Debug, Clone)]
pub enum PollNow {
    /// Polled, with what it added (nothing unless it fetched).
    Polled(Outcome, Arrivals),
    /// Another worker (or process) is polling it at this moment.
    Busy,
    /// No such feed.
    Gone,
}

/// Poll a feed at once, due or not (paused ones too), still sending
/// validators. It takes the feed's job lease, so it never overlaps a
/// scheduled poll in any process.
pub async fn poll_now(state: &AppState, feed_id: i64) -> Result<PollNow, DbErr> {
    let Some(feed) = feeds::by_id(&state.db, feed_id).await? else {
        return Ok(PollNow::Gone);
    };
    let job = Job::PollFeed(feed_id);
    jobs::ensure(&state.db, job, now()).await?;
    let Some(lease) = jobs::claim_key(&state.db, &jobs::worker_name(), job, state.settings.jobs.lease()).await? else {
        return Ok(PollNow::Busy);
    };
    let since = now();
    let outcome = poll(&state.inbox_writer, &state.fetcher, &feed).await;
    let next = match &outcome {
        Ok(o) if !feed.paused => Some(o.next_poll),
        Ok(_) => None,
        Err(_) => Some(now() + chrono::Duration::minutes(5)),
    };
    jobs::finish(&state.db, &lease, next).await?;
    let outcome = outcome?;
    let added = match &outcome.result {
        Polled::Fetched(stored) => arrivals(state, feed_id, stored.new, since).await?,
        _ => Arrivals::default(),
    };
    Ok(PollNow::Polled(outcome, added))
}
