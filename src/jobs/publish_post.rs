//! When a post scheduled for later goes live: tell the search index (through
//! the outbox), so it becomes findable at its time and not before, and tell
//! the people it mentions, in one transaction.

use super::Next;
use crate::state::AppState;
use crate::store::notifications;
use crate::store::outbox::{self, Changed};

pub async fn run(state: &AppState, post_id: i64) -> anyhow::Result<Next> {
    let txn = crate::store::begin_write(&state.db).await?;
    outbox::push(&txn, Changed::Post(post_id)).await?;
    notifications::post_published(&txn, post_id).await?;
    txn.commit().await?;
    Ok(None)
}
