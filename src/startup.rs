//! Building and running the application: bind the listener (port 0 in tests),
//! open the database, run migrations, then serve until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::domain::token::Signer;
use crate::email::mailer::Mailer;
use crate::ingest::addresses::AllowList;
use crate::ingest::fetch::{Fetcher, Limits};
use crate::state::AppState;
use crate::store::channel_pages::ChannelPages;
use crate::store::home_pages::HomePages;
use crate::store::signed_in::SignedInAccounts;
use crate::store::thread_pages::ThreadPages;
use crate::{jobs, router, store};

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Bind, connect and migrate. Nothing is served until `run_until_stopped`.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.server.listen)
            .await
            .with_context(|| format!("listening on {}", settings.server.listen))?;
        settings.server.listen = listener.local_addr()?;
        let state = state(settings).await?;
        Ok(Self { listener, state })
    }

    pub fn address(&self) -> SocketAddr {
        self.state.settings.server.listen
    }

    pub fn port(&self) -> u16 {
        self.address().port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until Ctrl-C / SIGTERM, with the background housekeeping running.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let housekeeping = tokio::spawn(housekeeping(self.state.clone()));
        let indexer = tokio::spawn(crate::search::indexer::run(
            self.state.db.clone(),
            self.state.search.clone(),
            self.state.settings.search.clone(),
        ));
        let runner = self
            .state
            .settings
            .jobs
            .run
            .then(|| tokio::spawn(jobs::run_forever(self.state.clone(), self.state.jobs_wake.clone())));
        let app = router::build(self.state);
        let served = axum::serve(self.listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await;
        housekeeping.abort();
        indexer.abort();
        if let Some(runner) = runner {
            runner.abort();
        }
        served.context("serving HTTP")
    }
}

/// Connect, migrate and assemble the shared state (the server and one-off commands use the same).
pub async fn state(settings: Settings) -> anyhow::Result<AppState> {
    let db = store::open(&settings).await?;
    let mailer = Arc::new(Mailer::from_settings(&settings)?);
    let fetcher = fetcher(&settings)?;
    let search = crate::search::SearchIndex::new(&settings.data_dir);
    let signer = Signer::new(&store::keys::get_or_create(&db, "links").await?);
    let state = AppState::new(crate::state::Services {
        signer,
        search,
        inbox_writer: crate::ingest::writer::InboxWriter::start(db.clone()),
        db,
        settings: Arc::new(settings),
        mailer,
        fetcher,
        jobs_wake: Arc::new(tokio::sync::Notify::new()),
        signed_in: Arc::new(SignedInAccounts::new()),
        home_pages: HomePages::new(),
        channel_pages: ChannelPages::new(),
        thread_pages: ThreadPages::new(),
    });
    jobs::ensure_recurring(&state).await?;
    Ok(state)
}

/// The safe fetcher, with the admin's allow list and limits.
pub fn fetcher(settings: &Settings) -> anyhow::Result<Fetcher> {
    let allow = AllowList::parse(&settings.fetch.allow).map_err(|e| anyhow::anyhow!(e))?;
    let limits = Limits {
        connect_timeout: Duration::from_secs(settings.fetch.connect_timeout_secs),
        total_timeout: Duration::from_secs(settings.fetch.timeout_secs),
        max_bytes: settings.fetch.max_bytes,
        ..Limits::default()
    };
    Fetcher::new(allow, limits)
}

/// Periodic clean-up: expired sessions.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store::sessions::delete_expired(&state.db).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not remove expired sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
