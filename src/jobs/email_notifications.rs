//! Notification email "now": send each person's waiting notifications in
//! one email (at most one per person per quarter of an hour), then run
//! again when the next is due. Made by the first notification someone
//! wants by email (`store::notifications::notify` schedules it).

use super::Next;
use crate::service::notifications;
use crate::state::AppState;

pub async fn run(state: &AppState) -> anyhow::Result<Next> {
    Ok(Some(notifications::send_due(state).await?))
}
