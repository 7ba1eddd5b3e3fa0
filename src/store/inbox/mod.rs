//! The curator's inbox: feed items, grouped into one entry ("story") per
//! canonical URL, so the same article from three feeds is one entry that
//! says "also in …". `write` is the poll's side (items upserted by GUID, or
//! by link when a feed changes its GUIDs, so a repeated or resumed poll
//! never duplicates anything; rules re-applied; old entries pruned); `read`
//! is the curator's (the inbox page, an entry to share, a feed's latest
//! items); dismissing and restoring an entry is here.

mod read;
mod write;

pub use read::{
    Entry, FeedRef, Filter, PAGE_SIZE, Page, RecentItem, SharedIn, StoryForShare, for_share, list, recent_items,
    seen_since_but_older,
};
pub use write::{FeedItems, Upserted, prune, reapply_rules, remove_orphans, upsert_feeds, upsert_items};

use sea_orm::{ConnectionTrait, DbErr};

use super::sql;
use crate::domain::time::now;

/// Take an entry out of the inbox (or put it back). False if there is no such entry.
pub async fn set_dismissed(db: &impl ConnectionTrait, story_id: i64, by: Option<i64>) -> Result<bool, DbErr> {
    let result = match by {
        Some(user) => {
            db.execute(sql(
                db,
                "UPDATE stories SET dismissed_at = COALESCE(dismissed_at, ?), dismissed_by = COALESCE(dismissed_by, ?) \
                 WHERE id = ?",
                vec![now().into(), user.into(), story_id.into()],
            ))
            .await?
        }
        None => {
            db.execute(sql(
                db,
                "UPDATE stories SET dismissed_at = NULL, dismissed_by = NULL WHERE id = ?",
                vec![story_id.into()],
            ))
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
}
