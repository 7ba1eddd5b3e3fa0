//! Structured logs via tracing: human-readable or JSON; and, for measuring,
//! how many database statements one request made.

use std::cell::Cell;
use std::future::Future;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(&settings.filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if settings.format == LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if result.is_err() {
        // Already initialised (tests start several apps in one process).
    }
}

tokio::task_local! {
    /// The statements the current request has made so far (only inside `counting`).
    static STATEMENTS: Cell<u32>;
}

/// Note one database statement against the request running on this task, if
/// it is being counted, and trace it (`RUST_LOG=commonroom::telemetry=trace`).
/// Work spawned onto other tasks is not counted.
pub fn count_statement(sql: &str, elapsed: std::time::Duration) {
    if STATEMENTS.try_with(|n| n.set(n.get() + 1)).is_ok() {
        tracing::trace!(sql, elapsed_us = elapsed.as_micros(), "statement");
    }
}

/// Run `work`, counting the database statements it makes.
pub async fn counting<F: Future>(work: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async {
            let out = work.await;
            (out, STATEMENTS.with(Cell::get))
        })
        .await
}
