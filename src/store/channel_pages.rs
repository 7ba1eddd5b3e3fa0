//! The channels this server has served, each with its newest page, kept
//! beside the channel's content stamp (see `kept`): the database bumps it
//! in the same transaction as any change to what the page shows (its
//! posts, their reactions and replies, its pins, its follows, the channel
//! itself, see the `content_stamps`, `thread_stamps` and `follow_stamps`
//! migrations). While nothing has changed anywhere (the sum of every
//! channel's stamp, read with the session, is what it was), the page kept
//! is the page, with no statement of its own; while only other channels
//! changed, one statement reads the channel's head and finds its stamp
//! unchanged. What is kept are the rows as read, shared by every reader:
//! each request turns them into the page its reader may see, at its moment.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr};

use super::channels::{self, ChannelHead};
use super::kept::Kept;
use super::posts::{self, HeldUp, NewestPage, PostCard, Timeline};
use crate::domain::policy::Actor;
use crate::domain::time::now;

/// The most channels kept (each a page of posts: some tens of kilobytes).
const MOST_KEPT: usize = 1_000;

pub struct ChannelPages {
    kept: Kept<String, ReadAt, Arc<NewestChannel>>,
}

/// What a kept channel was read at: its own stamp, and the sum of every
/// channel's stamp when it was last found current.
#[derive(Clone, PartialEq, Eq)]
struct ReadAt {
    stamp: i64,
    every: Option<i64>,
}

/// A channel's head and its newest page, as read.
pub struct NewestChannel {
    pub head: ChannelHead,
    page: NewestPage,
}

impl NewestChannel {
    /// The newest page and the posts pinned over it, as `viewer` sees them now.
    pub fn page(&self, viewer: &Actor) -> Result<(Timeline, Vec<PostCard>), DbErr> {
        Ok((self.page.timeline(viewer)?, self.page.held(viewer)?))
    }

    /// Still the newest page: no post scheduled in the channel has gone live since.
    fn current(&self) -> bool {
        self.page.until.is_none_or(|until| now() < until)
    }
}

impl Default for ChannelPages {
    fn default() -> Self {
        Self {
            kept: Kept::new(MOST_KEPT),
        }
    }
}

impl ChannelPages {
    pub fn new() -> Self {
        Self::default()
    }

    /// The channel `slug` names, with its newest page: the one kept while
    /// nothing has changed anywhere (`every`, the sum of every channel's
    /// stamp read with the session, is what it was) or the channel's own
    /// stamp is unchanged, or else read afresh. `None` when there is no
    /// such channel. The caller asks the policy whether its reader may
    /// see it.
    pub async fn newest(
        &self,
        db: &impl ConnectionTrait,
        slug: &str,
        every: Option<i64>,
    ) -> Result<Option<Arc<NewestChannel>>, DbErr> {
        let unchanged = || {
            every
                .and_then(|every| self.kept.get(slug, |at| at.every == Some(every)))
                .filter(|channel| channel.current())
        };
        if let Some(channel) = unchanged() {
            return Ok(Some(channel));
        }
        // Another request may be reading it already: nothing has changed
        // anywhere since, if it finds the page as this request would.
        let _turn = self.kept.turn_to_read(slug).await;
        if let Some(channel) = unchanged() {
            return Ok(Some(channel));
        }
        let Some(head) = channels::head_by_slug(db, slug).await? else {
            return Ok(None);
        };
        let stamp = head.content_stamp;
        let read = ReadAt { stamp, every };
        let later = |at: &ReadAt| at.stamp > stamp;
        if let Some(channel) = self.kept.get(slug, |at| at.stamp == stamp)
            && channel.current()
        {
            // Still current: so it is as long as nothing changes anywhere.
            self.kept.keep(slug.to_owned(), read, Arc::clone(&channel), later);
            return Ok(Some(channel));
        }
        let page = posts::newest_page(db, &[head.channel.id], HeldUp::Pins(&head.pinned)).await?;
        let channel = Arc::new(NewestChannel { head, page });
        self.kept.keep(slug.to_owned(), read, Arc::clone(&channel), later);
        Ok(Some(channel))
    }
}
