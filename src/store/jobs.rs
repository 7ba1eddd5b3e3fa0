//! The jobs table: background work as rows, claimed with a lease.
//!
//! A job is `(kind, key)`, unique, with a time to run. A worker claims due
//! jobs by writing its own lease token and an expiry in one statement
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), so two
//! workers never hold the same job. A worker that dies simply lets its lease
//! run out, and the job is claimed again. Finishing or rescheduling checks the
//! token, so a worker whose lease was taken over cannot undo the new holder's work.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use super::sql;
use crate::domain::job::Job;
use crate::domain::time::now;

/// A job this worker holds until `until`.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Lease {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    /// How many times it has been claimed since it last succeeded (1 on the first run).
    pub attempts: i32,
    pub locked_by: String,
}

impl Lease {
    /// The job it is for; `None` for a kind this version does not know.
    pub fn job(&self) -> Option<Job> {
        Job::parse(&self.kind, &self.key)
    }
}

/// Make sure a job exists and runs at `run_at` (moving it if it already exists).
pub async fn schedule(db: &impl ConnectionTrait, job: Job, run_at: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "INSERT INTO jobs (kind, key, payload, run_at, attempts, created_at) VALUES (?, ?, '{}', ?, 0, ?) \
         ON CONFLICT (kind, key) DO UPDATE SET run_at = excluded.run_at",
        vec![job.kind().into(), job.key().into(), run_at.into(), now().into()],
    ))
    .await?;
    Ok(())
}

/// Make sure a job runs no later than `run_at`: created then, or moved
/// earlier if it was due later (never later than it was).
pub async fn schedule_by(db: &impl ConnectionTrait, job: Job, run_at: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "INSERT INTO jobs (kind, key, payload, run_at, attempts, created_at) VALUES (?, ?, '{}', ?, 0, ?) \
         ON CONFLICT (kind, key) DO UPDATE SET run_at = CASE WHEN excluded.run_at < jobs.run_at \
           THEN excluded.run_at ELSE jobs.run_at END",
        vec![job.kind().into(), job.key().into(), run_at.into(), now().into()],
    ))
    .await?;
    Ok(())
}

/// Make sure a job exists; an existing one keeps its time.
pub async fn ensure(db: &impl ConnectionTrait, job: Job, run_at: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "INSERT INTO jobs (kind, key, payload, run_at, attempts, created_at) VALUES (?, ?, '{}', ?, 0, ?) \
         ON CONFLICT (kind, key) DO NOTHING",
        vec![job.kind().into(), job.key().into(), run_at.into(), now().into()],
    ))
    .await?;
    Ok(())
}

pub async fn remove(db: &impl ConnectionTrait, job: Job) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "DELETE FROM jobs WHERE kind = ? AND key = ?",
        vec![job.kind().into(), job.key().into()],
    ))
    .await?;
    Ok(())
}

/// This process's name in lease tokens (the token itself adds a random part).
pub fn worker_name() -> String {
    format!("pid{}", std::process::id())
}

fn token(worker: &str) -> String {
    format!("{worker}:{:016x}", rand::random::<u64>())
}

/// Claim up to `limit` due jobs that nobody holds (or whose lease ran out).
pub async fn claim_due(
    db: &impl ConnectionTrait,
    worker: &str,
    limit: usize,
    lease: chrono::Duration,
) -> Result<Vec<Lease>, sea_orm::DbErr> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let at = now();
    let skip_locked = if db.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let token = token(worker);
    let text = format!(
        "UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs WHERE run_at <= ? AND (locked_until IS NULL OR locked_until < ?) \
                      ORDER BY run_at, id LIMIT ?{skip_locked}) \
         RETURNING id, kind, key, payload, attempts, locked_by"
    );
    let values: Vec<Value> = vec![
        token.into(),
        (at + lease).into(),
        at.into(),
        at.into(),
        (limit as i64).into(),
    ];
    Lease::find_by_statement(sql(db, &text, values)).all(db).await
}

/// Claim one particular job now, due or not, unless someone holds it.
pub async fn claim_key(
    db: &impl ConnectionTrait,
    worker: &str,
    job: Job,
    lease: chrono::Duration,
) -> Result<Option<Lease>, sea_orm::DbErr> {
    let at = now();
    Lease::find_by_statement(sql(
        db,
        "UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1 \
         WHERE kind = ? AND key = ? AND (locked_until IS NULL OR locked_until < ?) \
         RETURNING id, kind, key, payload, attempts, locked_by",
        vec![
            token(worker).into(),
            (at + lease).into(),
            job.kind().into(),
            job.key().into(),
            at.into(),
        ],
    ))
    .one(db)
    .await
}

/// Done; run again at `next` (a recurring job) or never (the row goes).
/// Returns false if the lease had been lost to another worker.
pub async fn finish(
    db: &impl ConnectionTrait,
    lease: &Lease,
    next: Option<DateTime<Utc>>,
) -> Result<bool, sea_orm::DbErr> {
    let done = match next {
        Some(at) => {
            db.execute(sql(
                db,
                "UPDATE jobs SET run_at = ?, attempts = 0, last_error = NULL, locked_by = NULL, locked_until = NULL \
                 WHERE id = ? AND locked_by = ?",
                vec![at.into(), lease.id.into(), lease.locked_by.clone().into()],
            ))
            .await?
        }
        None => {
            db.execute(sql(
                db,
                "DELETE FROM jobs WHERE id = ? AND locked_by = ?",
                vec![lease.id.into(), lease.locked_by.clone().into()],
            ))
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// The job failed unexpectedly; try again at `retry_at`, keeping the error.
pub async fn fail(
    db: &impl ConnectionTrait,
    lease: &Lease,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "UPDATE jobs SET run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL \
         WHERE id = ? AND locked_by = ?",
        vec![
            retry_at.into(),
            error.into(),
            lease.id.into(),
            lease.locked_by.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// When a job will next run, if it exists.
pub async fn next_run(db: &impl ConnectionTrait, job: Job) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        run_at: DateTime<Utc>,
    }
    Ok(Row::find_by_statement(sql(
        db,
        "SELECT run_at FROM jobs WHERE kind = ? AND key = ?",
        vec![job.kind().into(), job.key().into()],
    ))
    .one(db)
    .await?
    .map(|r| r.run_at))
}

/// The earliest time a job nobody holds is due (to sleep until then).
pub async fn next_due(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        run_at: DateTime<Utc>,
    }
    Ok(Row::find_by_statement(sql(
        db,
        "SELECT run_at FROM jobs WHERE locked_until IS NULL OR locked_until < ? ORDER BY run_at LIMIT 1",
        vec![now().into()],
    ))
    .one(db)
    .await?
    .map(|r| r.run_at))
}
