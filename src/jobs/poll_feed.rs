//! Poll one feed (the job behind every active feed); the poll schedules the next.

use super::Next;
use crate::service::polling;
use crate::state::AppState;
use crate::store::feeds;

pub async fn run(state: &AppState, feed_id: i64) -> anyhow::Result<Next> {
    let Some(feed) = feeds::by_id(&state.db, feed_id).await? else {
        return Ok(None);
    };
    if feed.paused {
        return Ok(None);
    }
    Ok(Some(
        polling::poll(&state.inbox_writer, &state.fetcher, &feed)
            .await?
            .next_poll,
    ))
}
