//! When a post scheduled for later goes live: tell the search index (through
//! the outbox), so it becomes findable at its time and not before.

use super::Next;
use crate::state::AppState;
use crate::store::outbox::{self, Changed};

pub async fn run(state: &AppState, post_id: i64) -> anyhow::Result<Next> {
    outbox::push(&state.db, Changed::Post(post_id)).await?;
    Ok(None)
}
