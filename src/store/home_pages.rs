//! The newest home page of each person this server has served, kept beside
//! the stamps it was read at (see `kept`). Every request reads the stamps
//! with its session, in one statement: while neither the person's account
//! nor anything in the channels they follow has changed (the database bumps
//! the stamps in the same transaction as any such change, see the
//! `content_stamps` migration), and no post scheduled in those channels has
//! gone live, the page kept is the page, and is served without reading it
//! again; on any server, a change made anywhere shows on the next page.
//! What is kept are the rows as read: each request turns them into cards
//! for its reader at its moment (times read "just now" only just now).

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr};

use super::announcements::Announcement;
use super::kept::Kept;
use super::posts::{self, HeldUp, NewestPage, Timeline};
use super::sessions::Stamps;
use crate::domain::cursor::PageAt;
use crate::domain::policy::Actor;

/// The most pages kept: one per person, a page of posts each (some tens of
/// kilobytes), so at most some tens of megabytes.
const MOST_KEPT: usize = 1_000;

pub struct HomePages {
    /// Each reader's page beside the account's stamp and the sum of the
    /// followed channels' stamps it was read at.
    kept: Kept<i64, (i64, i64), Arc<NewestPage>>,
}

impl Default for HomePages {
    fn default() -> Self {
        Self {
            kept: Kept::new(MOST_KEPT),
        }
    }
}

impl HomePages {
    pub fn new() -> Self {
        Self::default()
    }

    /// The home page at `at` over the given channels (those the reader
    /// follows and may read), with at most `announcements` held up over its
    /// newest page; `stamps` as read with the reader's session, if they were.
    pub async fn page(
        &self,
        db: &impl ConnectionTrait,
        channel_ids: &[i64],
        at: PageAt,
        reader: &Actor,
        stamps: Option<Stamps>,
        announcements: u64,
    ) -> Result<(Timeline, Vec<Announcement>), DbErr> {
        if !matches!(at, PageAt::Newest) || announcements == 0 || channel_ids.is_empty() {
            return Ok((posts::timeline(db, channel_ids, at, reader).await?, Vec::new()));
        }
        let read = stamps.map(|s| (s.account, s.home));
        let current = || {
            read.and_then(|read| self.kept.get(&reader.user_id, |at| *at == read))
                .filter(|home| home.until.is_none_or(|until| reader.at < until))
        };
        let home = match current() {
            Some(home) => home,
            None => {
                // Another request may be reading it at these stamps already.
                let _turn = self.kept.turn_to_read(&reader.user_id).await;
                if let Some(home) = current() {
                    return Ok((home.timeline(reader)?, home.announced()));
                }
                let held = HeldUp::Announcements {
                    reader: reader.user_id,
                    most: announcements,
                };
                let home = Arc::new(posts::newest_page(db, channel_ids, held).await?);
                if let Some(read) = read {
                    let later = |at: &(i64, i64)| at.0 > read.0 || at.1 > read.1;
                    self.kept.keep(reader.user_id, read, Arc::clone(&home), later);
                }
                home
            }
        };
        Ok((home.timeline(reader)?, home.announced()))
    }
}
