//! Structured logs via tracing: human-readable or JSON.

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
