//! Background work as typed jobs: rows in the jobs table, claimed with a lease
//! (`store::jobs`), run here with bounded concurrency. A crashed worker's job
//! is retried once its lease runs out; tests call [`drain`] instead of waiting.
//! One file per job.

pub mod email_notifications;
pub mod poll_feed;
pub mod prune_inbox;
pub mod prune_outbox;
pub mod publish_post;
pub mod send_digest;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

pub use crate::domain::job::Job;
use crate::domain::time::now;
use crate::state::AppState;
use crate::store::jobs::{self, Lease};

/// What a job asks for when it ends: run again at a time, or never.
pub type Next = Option<chrono::DateTime<Utc>>;

/// Run a job this worker holds, then release it: finished, rescheduled, or
/// (on an unexpected error) retried later with a growing pause.
pub async fn run_claimed(state: &AppState, lease: Lease) -> anyhow::Result<()> {
    let outcome = match lease.job() {
        Some(Job::PollFeed(id)) => poll_feed::run(state, id).await,
        Some(Job::PruneInbox) => prune_inbox::run(state).await,
        Some(Job::PruneOutbox) => prune_outbox::run(state).await,
        Some(Job::PublishPost(id)) => publish_post::run(state, id).await,
        Some(Job::SendDigest) => send_digest::run(state).await,
        Some(Job::EmailNotifications) => email_notifications::run(state).await,
        None => {
            tracing::warn!(kind = %lease.kind, key = %lease.key, "unknown job kind; removing it");
            Ok(None)
        }
    };
    match outcome {
        Ok(next) => {
            if !jobs::finish(&state.db, &lease, next).await? {
                tracing::warn!(kind = %lease.kind, key = %lease.key, "job finished after its lease was taken over");
            }
        }
        Err(err) => {
            let pause = 30i64 << lease.attempts.clamp(0, 10);
            let retry = now() + chrono::Duration::seconds(pause.min(6 * 3600));
            tracing::warn!(kind = %lease.kind, key = %lease.key, error = %err, "job failed; will retry");
            jobs::fail(&state.db, &lease, &format!("{err:#}"), retry).await?;
        }
    }
    Ok(())
}

/// Run every due job until none is left (for tests and one-off commands).
/// Returns how many ran.
pub async fn drain(state: &AppState) -> anyhow::Result<usize> {
    let worker = jobs::worker_name();
    let mut ran = 0;
    loop {
        let batch = jobs::claim_due(
            &state.db,
            &worker,
            state.settings.jobs.concurrency.max(1),
            state.settings.jobs.lease(),
        )
        .await?;
        if batch.is_empty() {
            return Ok(ran);
        }
        ran += batch.len();
        let mut set = JoinSet::new();
        for lease in batch {
            let state = state.clone();
            set.spawn(async move { run_claimed(&state, lease).await });
        }
        while let Some(done) = set.join_next().await {
            done??;
        }
    }
}

/// The runner inside the server: claims due jobs whenever a slot is free,
/// never more than `jobs.concurrency` at once, so one slow feed holds one
/// slot and never delays the others.
pub async fn run_forever(state: AppState, wake: Arc<Notify>) {
    let worker = jobs::worker_name();
    let slots = Arc::new(Semaphore::new(state.settings.jobs.concurrency.max(1)));
    let mut running = JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        let free = slots.available_permits();
        let claimed = if free > 0 {
            match jobs::claim_due(&state.db, &worker, free, state.settings.jobs.lease()).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim jobs");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let claimed_any = !claimed.is_empty();
        for lease in claimed {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let state = state.clone();
            running.spawn(async move {
                if let Err(err) = run_claimed(&state, lease).await {
                    tracing::warn!(error = %err, "could not record a job's end");
                }
                drop(permit);
            });
        }
        if claimed_any && slots.available_permits() > 0 {
            continue;
        }
        let wait = match jobs::next_due(&state.db).await {
            Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default(),
            _ => Duration::from_secs(5),
        }
        .clamp(Duration::from_millis(250), Duration::from_secs(5));
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
}

/// Jobs that must always exist: housekeeping (due at once) and the digest
/// (due at its next scheduled time, so a new installation never sends a
/// digest the moment it starts).
pub async fn ensure_recurring(state: &AppState) -> Result<(), sea_orm::DbErr> {
    for job in Job::RECURRING {
        jobs::ensure(&state.db, job, now()).await?;
    }
    if let Some(at) = state.settings.digest.schedule().next_after(now()) {
        jobs::ensure(&state.db, Job::SendDigest, at).await?;
    }
    Ok(())
}
