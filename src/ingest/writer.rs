//! Group commit for polled feeds: one task stores what polls bring, and the
//! feeds whose polls finish while it is writing are stored together, in one
//! transaction, when it is done. A sweep of many feeds then pays for a few
//! commits instead of one per feed, and pollers queue here instead of
//! waiting on each other for SQLite's write lock.
//!
//! Each feed still gets its own outcome. If a shared transaction fails, each
//! feed in it is stored again on its own, so one feed's failure is that feed's
//! alone; and if the task has gone, a poll writes its feed itself.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{mpsc, oneshot};

use crate::domain::feed::{ParsedItem, WordRules};
use crate::store::inbox::{self, FeedItems, Upserted};

/// Most feeds stored in one transaction.
const MAX_FEEDS: usize = 64;
/// Most items stored in one transaction (once reached, the batch closes).
const MAX_ITEMS: usize = 10_000;
/// Feeds waiting beyond the batch being written; pollers past this wait to queue.
const QUEUE: usize = 256;

/// The handle pollers store through; cheap to clone.
#[derive(Clone)]
pub struct InboxWriter {
    db: DatabaseConnection,
    queue: mpsc::Sender<Request>,
}

struct Request {
    feed_id: i64,
    rules: Arc<WordRules>,
    items: Arc<Vec<ParsedItem>>,
    done: oneshot::Sender<Result<Upserted, DbErr>>,
}

impl InboxWriter {
    /// Start the writing task on the current tokio runtime. It ends when the
    /// last handle is dropped.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(run(db.clone(), waiting));
        Self { db, queue }
    }

    /// The database it writes to.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Store one feed's current items (as [`inbox::upsert_items`] does), in
    /// the next transaction the writer commits.
    pub async fn store(&self, feed_id: i64, rules: &WordRules, items: Vec<ParsedItem>) -> Result<Upserted, DbErr> {
        let rules = Arc::new(rules.clone());
        let items = Arc::new(items);
        let (done, outcome) = oneshot::channel();
        let request = Request {
            feed_id,
            rules: rules.clone(),
            items: items.clone(),
            done,
        };
        if self.queue.send(request).await.is_ok()
            && let Ok(stored) = outcome.await
        {
            return stored;
        }
        // The writer is gone (its runtime ended, or it failed mid-batch):
        // write this feed here. Storing is idempotent, so a batch that did
        // commit before the writer went only makes this a no-op.
        inbox::upsert_items(&self.db, feed_id, &rules, &items).await
    }
}

/// Take the next request (waiting for one), then every request already
/// queued, up to the limits; store them; repeat.
async fn run(db: DatabaseConnection, mut waiting: mpsc::Receiver<Request>) {
    while let Some(first) = waiting.recv().await {
        let mut items = first.items.len();
        let mut batch = vec![first];
        while batch.len() < MAX_FEEDS && items < MAX_ITEMS {
            let Ok(next) = waiting.try_recv() else { break };
            items += next.items.len();
            batch.push(next);
        }
        write(&db, batch).await;
    }
}

async fn write(db: &DatabaseConnection, batch: Vec<Request>) {
    let feeds: Vec<FeedItems> = batch
        .iter()
        .map(|r| FeedItems {
            feed_id: r.feed_id,
            rules: &r.rules,
            items: &r.items,
        })
        .collect();
    let stored = inbox::upsert_feeds(db, &feeds).await;
    drop(feeds);
    match stored {
        Ok(stats) => {
            for (request, stats) in batch.into_iter().zip(stats) {
                // A poller that stopped waiting has nothing to be told.
                let _ = request.done.send(Ok(stats));
            }
        }
        // One feed alone: storing it again would only fail again.
        Err(err) if batch.len() == 1 => {
            if let Some(request) = batch.into_iter().next() {
                let _ = request.done.send(Err(err));
            }
        }
        Err(err) => {
            tracing::warn!(feeds = batch.len(), error = %err, "storing polled feeds together failed; storing each alone");
            for request in batch {
                let stored = inbox::upsert_items(db, request.feed_id, &request.rules, &request.items).await;
                let _ = request.done.send(stored);
            }
        }
    }
}
