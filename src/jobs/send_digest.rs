//! The weekly digest, at its scheduled times. When due (or when the server
//! comes back within the grace period after missing the time), the week is
//! planned and sent; the outbox keeps one row per person and week, so a
//! second run, or a second server, sends nobody anything twice. Rows that
//! failed for now are tried again at their time, also after the grace.

use std::sync::Arc;

use super::Next;
use crate::domain::time::now;
use crate::service::digest;
use crate::state::AppState;
use crate::store::digest_outbox;

pub async fn run(state: &AppState) -> anyhow::Result<Next> {
    let schedule = state.settings.digest.schedule();
    let quiet = Arc::new(|_| {});
    if let Some(due) = schedule.due(now()) {
        let summary = digest::send(state, due.week, true, None, quiet.clone()).await?;
        tracing::info!(
            week = %due.week, sent = summary.sent, empty = summary.empty, failed = summary.failed,
            retrying = summary.pending, unconfirmed = summary.unconfirmed, "weekly digest sent"
        );
    }
    // Temporary failures whose time has come, whatever their week (each
    // week once: rows another sender holds are left to it).
    let mut done = Vec::new();
    while let Some((week, at)) = digest_outbox::next_retry(&state.db).await? {
        if at > now() || done.contains(&week) {
            break;
        }
        digest::send(state, week, false, None, quiet.clone()).await?;
        done.push(week);
    }
    let next = schedule.next_after(now());
    let retry = digest_outbox::next_retry(&state.db).await?.map(|(_, at)| at);
    Ok(match (next, retry) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}
