//! Poll one feed (the job behind every active feed), then schedule the next poll.

use super::Next;
use crate::ingest::refresh::{self, Outcome};
use crate::state::AppState;
use crate::store::feeds;

pub const KIND: &str = feeds::POLL_JOB;

pub async fn run(state: &AppState, feed_id: i64) -> anyhow::Result<Next> {
    Ok(poll(state, feed_id).await?.map(|o| o.next_poll))
}

/// Poll now; `None` if the feed is gone or paused (its job then ends).
pub async fn poll(state: &AppState, feed_id: i64) -> anyhow::Result<Option<Outcome>> {
    let Some(feed) = feeds::by_id(&state.db, feed_id).await? else {
        return Ok(None);
    };
    if feed.paused {
        return Ok(None);
    }
    Ok(Some(refresh::poll(&state.db, &state.fetcher, &feed).await?))
}
