//! Once a day: forget search-outbox rows older than `search.outbox_days`.
//! Every server's index has applied them long before (it follows the outbox
//! every `search.poll_ms`); one that was stopped for longer notices the gap
//! when it starts and rebuilds from the database.

use super::Next;
use crate::domain::time::now;
use crate::state::AppState;
use crate::store::search;

pub async fn run(state: &AppState) -> anyhow::Result<Next> {
    let keep = chrono::Duration::days(state.settings.search.outbox_days.max(1));
    let removed = search::prune_outbox(&state.db, keep).await?;
    if removed > 0 {
        tracing::info!(removed, "old search outbox rows removed");
    }
    Ok(Some(now() + chrono::Duration::days(1)))
}
