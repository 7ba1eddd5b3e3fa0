//! Holding a post up above the stream: pinning it at the top of its channel
//! (up to three), announcing it to the channel's followers (on their home
//! page until each dismisses it, and a notification), and putting either
//! away. One transaction each, with its audit row.

use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::notification::NotificationKind;
use crate::domain::policy::{self, Actor, MAX_PINS, Refusal};
use crate::store::announcements as rows;
use crate::store::channels::Channel;
use crate::store::notifications::{self, NewNotification};
use crate::store::posts::Post;
use crate::store::{self, audit};

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("not allowed")]
    Refused(Refusal),
    /// Deleted, hidden or not yet published posts are not held up.
    #[error("this post is deleted, hidden or not published yet")]
    Closed,
    #[error("three posts are pinned already: unpin one first")]
    Full,
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn check(allowed: bool, post: &Post) -> Result<(), PinError> {
    if !allowed {
        return Err(PinError::Refused(Refusal::ManagersOnly));
    }
    let facts = post.facts();
    if facts.deleted || facts.hidden || facts.scheduled {
        return Err(PinError::Closed);
    }
    Ok(())
}

/// Pin a post at the top of its channel, or unpin it. Returns whether anything changed.
pub async fn set_pinned(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    post: &Post,
    pinned: bool,
) -> Result<bool, PinError> {
    let facts = channel.facts(actor);
    if pinned {
        check(policy::can_pin(actor, &facts), post)?;
    } else if !policy::can_pin(actor, &facts) {
        return Err(PinError::Refused(Refusal::ManagersOnly));
    }
    let txn = store::begin_write(db).await?;
    let changed = if pinned {
        if rows::is_pinned(&txn, post.id).await? {
            false
        } else if rows::pin_count(&txn, channel.id).await? >= MAX_PINS {
            return Err(PinError::Full);
        } else {
            rows::pin(&txn, channel.id, post.id, actor.user_id).await?
        }
    } else {
        rows::unpin(&txn, post.id).await?
    };
    if changed {
        let action = if pinned {
            AuditAction::PostPin
        } else {
            AuditAction::PostUnpin
        };
        audit::record(&txn, Some(actor.user_id), action, &AuditTarget::Post(post.id), "").await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Announce a post to its channel's followers, or stop. Returns whether
/// anything changed.
pub async fn set_announced(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    post: &Post,
    announced: bool,
) -> Result<bool, PinError> {
    let facts = channel.facts(actor);
    if announced {
        check(policy::can_announce(actor, &facts), post)?;
    } else if !policy::can_announce(actor, &facts) {
        return Err(PinError::Refused(Refusal::ManagersOnly));
    }
    let txn = store::begin_write(db).await?;
    let changed = if announced {
        let new = rows::announce(&txn, channel.id, post.id, actor.user_id).await?;
        if new {
            // Every follower who may read it, in the same transaction; the
            // notifications store leaves out the announcer and anyone who
            // switched announcements off or was told of this post before.
            for follower in rows::followers(&txn, channel.id).await? {
                notifications::notify(
                    &txn,
                    NewNotification {
                        user_id: follower,
                        kind: NotificationKind::Announcement,
                        actor_id: Some(actor.user_id),
                        channel_id: Some(channel.id),
                        post_id: Some(post.id),
                        reply_id: None,
                        body: post.title.clone(),
                        link: Some(format!("/p/{}", post.id)),
                    },
                )
                .await?;
            }
        }
        new
    } else {
        rows::withdraw(&txn, post.id).await?
    };
    if changed {
        let action = if announced {
            AuditAction::PostAnnounce
        } else {
            AuditAction::PostUnannounce
        };
        audit::record(&txn, Some(actor.user_id), action, &AuditTarget::Post(post.id), "").await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// A reader puts an announcement away for good.
pub async fn dismiss(db: &impl ConnectionTrait, actor: &Actor, post_id: i64) -> Result<bool, DbErr> {
    rows::dismiss(db, post_id, actor.user_id).await
}
