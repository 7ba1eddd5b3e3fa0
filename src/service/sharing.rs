//! Sharing a link into one or more channels, as the share form does (from
//! the curator's inbox, the bookmarklet or by hand): a post in each channel
//! (each with its own discussion, as channels differ in who may read them),
//! linked to one another as one share, crediting the feed it was found in,
//! and, when it came from the inbox, the entry marked as dealt with, all in
//! one transaction, so a failure never leaves a link shared into some of the
//! channels asked for, or shared but still waiting in the inbox.

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, TransactionTrait};

use crate::domain::post::PostDraft;
use crate::domain::time::now;
use crate::store::feeds;
use crate::store::inbox::{self, StoryForShare};
use crate::store::posts::{self, Placement};

/// A link to share, already checked: a draft, the channels the sharer may post in.
#[derive(Debug, Clone)]
pub struct Share<'a> {
    pub author_id: i64,
    pub draft: &'a PostDraft,
    pub channel_ids: &'a [i64],
    /// When it goes live; `None` for now.
    pub publish_at: Option<DateTime<Utc>>,
    /// The inbox entry it came from.
    pub story: Option<&'a StoryForShare>,
}

/// Share it; returns the new posts' ids, in the channels' order.
pub async fn share(db: &impl TransactionTrait, share: Share<'_>) -> Result<Vec<i64>, DbErr> {
    let txn = crate::store::begin_write(db).await?;
    // The credit is copied onto the posts: it outlives the feed.
    let source = match share.story.and_then(|s| s.feed_id) {
        Some(feed_id) => feeds::credit(&txn, feed_id).await?,
        None => None,
    };
    let placement = Placement {
        publish_at: share.publish_at,
        source,
        story_id: share.story.map(|s| s.id),
    };
    let mut ids = Vec::with_capacity(share.channel_ids.len());
    for &channel_id in share.channel_ids {
        ids.push(posts::create_placed(&txn, share.author_id, channel_id, share.draft, now(), placement.clone()).await?);
    }
    posts::group_share(&txn, &ids).await?;
    if let Some(story) = share.story {
        // Shared means triaged: it leaves the inbox (and shows as shared if restored).
        inbox::set_dismissed(&txn, story.id, Some(share.author_id)).await?;
    }
    txn.commit().await?;
    Ok(ids)
}
