//! The threads this server has served, each kept beside its channel's
//! content stamp and the digest week it was read for (see `kept`). While
//! nothing has changed anywhere, a thread kept is served with no statement
//! of its own; else the stamp is read first, by primary keys: while it is
//! unchanged (the database bumps it in the same transaction as any change
//! to the post, its replies, their reactions, its pins and features, see
//! the `content_stamps` and `thread_stamps` migrations), the thread kept is
//! the thread, on any server. What is kept are the rows as read, shared by
//! every reader: each request turns them into the page its reader may see,
//! at its moment.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr};

use super::kept::Kept;
use super::posts::{self, ThreadHead, ThreadRows};
use super::replies::{self, ThreadReplies};
use crate::domain::policy::Actor;

/// The most threads kept (each some kilobytes to some tens of kilobytes).
const MOST_KEPT: usize = 1_000;

pub struct ThreadPages {
    kept: Kept<i64, ReadAt, Arc<KeptThread>>,
}

/// What a kept thread was read at: its channel's stamp, the digest week,
/// and the sum of every channel's stamp when it was last found current.
#[derive(Clone, PartialEq, Eq)]
struct ReadAt {
    stamp: i64,
    week: String,
    every: Option<i64>,
}

/// A thread's head and replies, as read.
struct KeptThread {
    head: ThreadRows,
    replies: ThreadReplies,
}

impl Default for ThreadPages {
    fn default() -> Self {
        Self {
            kept: Kept::new(MOST_KEPT),
        }
    }
}

impl ThreadPages {
    pub fn new() -> Self {
        Self::default()
    }

    /// The thread of post `id` as `reader` sees it now, with its standing
    /// in `week`'s digest: the one kept while nothing has changed anywhere
    /// (`every`, the sum of every channel's stamp read with the session, is
    /// what it was) or its channel's stamp is unchanged, or else read
    /// afresh. `None` when there is no such post.
    pub async fn thread(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
        week: &str,
        reader: &Actor,
        every: Option<i64>,
    ) -> Result<Option<ThreadHead>, DbErr> {
        let unchanged = || every.and_then(|every| self.kept.get(&id, |at| at.every == Some(every) && at.week == week));
        if let Some(thread) = unchanged() {
            return Ok(Some(thread.head.head(reader, thread.replies.views(reader)?)?));
        }
        // Another request may be reading it already: nothing has changed
        // anywhere since, if it finds the thread as this request would.
        let _turn = self.kept.turn_to_read(&id).await;
        if let Some(thread) = unchanged() {
            return Ok(Some(thread.head.head(reader, thread.replies.views(reader)?)?));
        }
        // A thread kept for this week may still be current: its channel's
        // stamp says, by primary keys.
        if self.kept.get(&id, |at| at.week == week).is_some() {
            let Some(stamp) = posts::content_stamp(db, id).await? else {
                return Ok(None);
            };
            if let Some(thread) = self.kept.get(&id, |at| at.stamp == stamp && at.week == week) {
                // Still current: so it is as long as nothing changes anywhere.
                let read = ReadAt {
                    stamp,
                    week: week.to_owned(),
                    every,
                };
                self.kept.keep(id, read, Arc::clone(&thread), |at| at.stamp > stamp);
                return Ok(Some(thread.head.head(reader, thread.replies.views(reader)?)?));
            }
        }
        // Read afresh, at the stamp read with the head.
        let Some(head) = posts::thread_rows(db, id, week).await? else {
            return Ok(None);
        };
        let replies = replies::in_thread(db, id).await?;
        let stamp = head.content_stamp;
        let read = ReadAt {
            stamp,
            week: week.to_owned(),
            every,
        };
        let thread = Arc::new(KeptThread { head, replies });
        self.kept.keep(id, read, Arc::clone(&thread), |at| at.stamp > stamp);
        Ok(Some(thread.head.head(reader, thread.replies.views(reader)?)?))
    }
}
