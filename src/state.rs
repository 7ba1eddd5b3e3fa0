//! What the server, its jobs and the commands share: the database, settings,
//! mailer, fetcher, inbox writer, search index,
//! signed-in accounts, home pages and threads; cloned cheaply per use
//! (one reference count: every extractor and middleware clones it).

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::domain::token::Signer;
use crate::email::mailer::Mailer;
use crate::ingest::fetch::Fetcher;
use crate::ingest::writer::InboxWriter;
use crate::search::SearchIndex;
use crate::store::channel_pages::ChannelPages;
use crate::store::home_pages::HomePages;
use crate::store::signed_in::SignedInAccounts;
use crate::store::thread_pages::ThreadPages;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services themselves, each made once at start.
pub struct Services {
    /// The one connection pool (SQLite or PostgreSQL). The source of truth.
    pub db: DatabaseConnection,
    /// Settings as loaded at start; read-only while running.
    pub settings: Arc<Settings>,
    /// The one mail transport (SMTP, or files by default).
    pub mailer: Arc<Mailer>,
    /// The one safe fetcher every outgoing HTTP request goes through.
    pub fetcher: Fetcher,
    /// Stores what feed polls bring, feeds polled together in one transaction.
    pub inbox_writer: InboxWriter,
    /// Wakes the job runner when work is added (instead of waiting for its next look).
    pub jobs_wake: Arc<tokio::sync::Notify>,
    /// The search index, derived from the database; its one writer runs inside the server.
    pub search: SearchIndex,
    /// Signs links that work without signing in (one-click unsubscribe).
    pub signer: Signer,
    /// The accounts of signed-in sessions, each kept while its stamp in the
    /// database is unchanged.
    pub signed_in: Arc<SignedInAccounts>,
    /// The newest home pages served, each kept while nothing on it changes.
    pub home_pages: HomePages,
    /// The channels served with their newest pages, each kept while nothing on it changes.
    pub channel_pages: ChannelPages,
    /// The threads served, each kept while nothing in it changes.
    pub thread_pages: ThreadPages,
}

impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl AppState {
    /// The address people reach Commonroom at, for links shown or sent to them.
    pub fn public_base(&self) -> String {
        self.settings.public_base()
    }
}
