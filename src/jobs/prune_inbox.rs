//! Once a day: delete inbox entries older than `curation.keep_days` that no post links to.
//! Never sooner than they leave the inbox (`curation.inbox_days`), so nothing a
//! curator can still see disappears, and an item a feed still carries comes
//! back already too old to show.

use super::Next;
use crate::domain::time::now;
use crate::state::AppState;
use crate::store::inbox;

pub async fn run(state: &AppState) -> anyhow::Result<Next> {
    let curation = &state.settings.curation;
    let keep = chrono::Duration::days(curation.keep_days.max(curation.inbox_days).max(1));
    let removed = inbox::prune(&state.db, keep).await?;
    if removed > 0 {
        tracing::info!(removed, "old inbox entries removed");
    }
    Ok(Some(now() + chrono::Duration::days(1)))
}
