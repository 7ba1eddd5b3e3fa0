//! Poll one feed (the job behind every active feed), then schedule the next
//! poll; and "poll this feed now" for people and the CLI, which takes the
//! same lease so it never overlaps a scheduled poll in any process.

use super::Next;
use crate::domain::job::Job;
use crate::domain::time::now;
use crate::ingest::refresh::{self, Outcome};
use crate::state::AppState;
use crate::store::{feeds, jobs};

pub async fn run(state: &AppState, feed_id: i64) -> anyhow::Result<Next> {
    let Some(feed) = feeds::by_id(&state.db, feed_id).await? else {
        return Ok(None);
    };
    if feed.paused {
        return Ok(None);
    }
    Ok(Some(
        refresh::poll(&state.inbox_writer, &state.fetcher, &feed)
            .await?
            .next_poll,
    ))
}

/// What "poll now" did.
#[derive(Debug, Clone)]
pub enum PollNow {
    Polled(Outcome),
    /// Another worker (or process) is polling it at this moment.
    Busy,
    /// No such feed.
    Gone,
}

/// Poll a feed at once, due or not (paused ones too), still sending validators.
pub async fn poll_now(state: &AppState, feed_id: i64) -> anyhow::Result<PollNow> {
    let Some(feed) = feeds::by_id(&state.db, feed_id).await? else {
        return Ok(PollNow::Gone);
    };
    let job = Job::PollFeed(feed_id);
    jobs::ensure(&state.db, job, now()).await?;
    let Some(lease) = jobs::claim_key(&state.db, &super::worker_name(), job, super::lease_length(state)).await? else {
        return Ok(PollNow::Busy);
    };
    let outcome = refresh::poll(&state.inbox_writer, &state.fetcher, &feed).await;
    let next = match &outcome {
        Ok(o) if !feed.paused => Some(o.next_poll),
        Ok(_) => None,
        Err(_) => Some(now() + chrono::Duration::minutes(5)),
    };
    jobs::finish(&state.db, &lease, next).await?;
    Ok(PollNow::Polled(outcome?))
}
