//! Curation end to end: feeds in (every format, safely), polling with
//! leases and backoff, dedupe, OPML, and the curator's inbox.
//!
//! Each test starts its own feed server on loopback (`world`), serving the
//! fixtures in `tests/fixtures/feeds/`, and an app allowed to reach it.

/// Like `on_both_backends!`, but each app may fetch from loopback, where the
/// tests' feed servers listen (`support::open`), or is set up by `@with f`
/// (a `fn(&mut Settings)` in the calling module).
macro_rules! open_world_tests {
    (@with $tweak:ident; $($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let backend = $crate::helpers::Backend::Sqlite;
                if let Some(app) = $crate::helpers::spawn_app_with(backend, super::$tweak).await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let backend = $crate::helpers::Backend::Postgres;
                if let Some(app) = $crate::helpers::spawn_app_with(backend, super::$tweak).await {
                    super::$name(app).await;
                }
            }
        }
    )* };
    ($($name:ident),* $(,)?) => { open_world_tests!(@with open; $($name),*); };
}

mod support;
mod world;

mod faults;
mod formats;
mod inbox;
mod opml;
mod polling;
mod share;
mod together;
mod wild;
mod workers;
