//! Working groups: asking to join a private channel and the managers'
//! answer, leaving, a channel's name and purpose, and who runs it (managers,
//! and deputies covering until a date). Each change is one transaction with
//! its audit row; whoever should hear of it is told in the same one.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::form::FormErrors;
use crate::domain::handle::Handle;
use crate::domain::notification::NotificationKind;
use crate::domain::policy::{self, Actor, Refusal};
use crate::domain::time::last_local_day;
use crate::store::channels::{self, Channel};
use crate::store::groups::{self, JoinRequest};
use crate::store::notifications::{self, NewNotification};
use crate::store::users::{self, PersonChip};
use crate::store::{self, audit};

/// Longest message with a request to join, and longest channel purpose.
pub const MAX_MESSAGE: usize = 500;
pub const MAX_NAME: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Refused(Refusal),
    #[error("you already asked to join; the managers have not answered yet")]
    AlreadyAsked,
    #[error("someone already answered this request")]
    AlreadyAnswered,
    /// The last manager cannot leave or stand down: someone has to run it.
    #[error("name another manager first")]
    LastManager,
    /// A deputy's cover must end after now.
    #[error("choose an end date after today")]
    EndInPast,
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn allow(allowed: bool, refusal: Refusal) -> Result<(), GroupError> {
    if allowed {
        Ok(())
    } else {
        Err(GroupError::Refused(refusal))
    }
}

/// Ask to join a private-listed channel, with an optional word to its managers.
pub async fn ask_to_join(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    message: &str,
) -> Result<i64, GroupError> {
    let facts = channel.facts(actor);
    if !policy::can_see_channel_listed(actor, &facts) {
        return Err(GroupError::NotFound);
    }
    allow(policy::can_ask_to_join(actor, &facts), Refusal::Closed)?;
    let message = message.trim();
    if message.chars().count() > MAX_MESSAGE {
        return Err(GroupError::Invalid("Keep your message under 500 characters."));
    }
    let txn = store::begin_write(db).await?;
    let id = groups::add_request(&txn, channel.id, actor.user_id, message)
        .await?
        .ok_or(GroupError::AlreadyAsked)?;
    for manager in groups::serving(&txn, channel.id).await? {
        notifications::notify(
            &txn,
            NewNotification {
                user_id: manager,
                kind: NotificationKind::JoinRequest,
                actor_id: Some(actor.user_id),
                channel_id: Some(channel.id),
                post_id: None,
                reply_id: None,
                body: message.to_owned(),
                link: Some(format!("/c/{}/members", channel.slug)),
            },
        )
        .await?;
    }
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ChannelJoinAsk,
        &AuditTarget::Channel(channel.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Take back one's own waiting request.
pub async fn withdraw_request(db: &impl TransactionTrait, actor: &Actor, channel: &Channel) -> Result<(), GroupError> {
    let txn = store::begin_write(db).await?;
    let request = groups::pending_request(&txn, channel.id, actor.user_id)
        .await?
        .ok_or(GroupError::NotFound)?;
    groups::close_request(&txn, request.id, "withdrawn", actor.user_id, None).await?;
    txn.commit().await?;
    Ok(())
}

/// The managers' answer to a request to join: accepted (the person is a
/// member and follows the channel from their next request) or declined,
/// with an optional reason the person reads.
pub async fn answer(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    request_id: i64,
    accept: bool,
    reason: &str,
) -> Result<JoinRequest, GroupError> {
    allow(
        policy::can_manage_members(actor, &channel.facts(actor)),
        Refusal::ManagersOnly,
    )?;
    let reason = reason.trim();
    if reason.chars().count() > MAX_MESSAGE {
        return Err(GroupError::Invalid("Keep the reason under 500 characters."));
    }
    let txn = store::begin_write(db).await?;
    let request = groups::pending_by_id(&txn, request_id)
        .await?
        .filter(|r| r.channel_id == channel.id)
        .ok_or(GroupError::AlreadyAnswered)?;
    let status = if accept { "accepted" } else { "declined" };
    let reason = (!reason.is_empty()).then_some(reason);
    if !groups::close_request(&txn, request.id, status, actor.user_id, reason).await? {
        return Err(GroupError::AlreadyAnswered);
    }
    let action = if accept {
        channels::insert_member(&txn, channel.id, request.person.id, Some(actor.user_id)).await?;
        channels::follow(&txn, request.person.id, channel.id).await?;
        AuditAction::ChannelJoinAccept
    } else {
        AuditAction::ChannelJoinDecline
    };
    // Told after the membership, so an accepted member reads what it is
    // about; a declined one cannot, so the notice names the group itself.
    let body = match (accept, reason) {
        (true, _) => format!("You are now a member of {}.", channel.name),
        (false, Some(why)) => format!("Your request to join {} was declined: {why}", channel.name),
        (false, None) => format!("Your request to join {} was declined.", channel.name),
    };
    notifications::notify(
        &txn,
        NewNotification {
            user_id: request.person.id,
            kind: NotificationKind::JoinDecision,
            actor_id: Some(actor.user_id),
            channel_id: accept.then_some(channel.id),
            post_id: None,
            reply_id: None,
            body,
            link: Some(format!("/c/{}", channel.slug)),
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        action,
        &AuditTarget::Channel(channel.id),
        &format!("user:{}", request.person.id),
    )
    .await?;
    txn.commit().await?;
    Ok(request)
}

/// Whether someone is the channel's only manager in their own right.
async fn last_manager(db: &impl ConnectionTrait, channel_id: i64, user_id: i64) -> Result<bool, DbErr> {
    let managers: Vec<i64> = groups::stewards(db, channel_id)
        .await?
        .into_iter()
        .filter(|s| !s.is_deputy())
        .map(|s| s.person.id)
        .collect();
    Ok(managers == [user_id])
}

/// Whether someone going would leave others in the channel with no manager.
async fn would_leave_nobody_in_charge(db: &impl ConnectionTrait, channel_id: i64, user_id: i64) -> Result<bool, DbErr> {
    let others = channels::members(db, channel_id)
        .await?
        .into_iter()
        .any(|m| m.id != user_id);
    Ok(others && last_manager(db, channel_id, user_id).await?)
}

/// Leave a private channel: from the next request on, nothing of it is
/// readable, findable or sent in a digest. Its only manager names another
/// first, unless nobody else is left in it.
pub async fn leave(db: &impl TransactionTrait, actor: &Actor, channel: &Channel) -> Result<(), GroupError> {
    let facts = channel.facts(actor);
    if !policy::can_read_channel(actor, &facts) {
        return Err(GroupError::NotFound);
    }
    allow(policy::can_leave(actor, &facts), Refusal::Closed)?;
    let txn = store::begin_write(db).await?;
    if would_leave_nobody_in_charge(&txn, channel.id, actor.user_id).await? {
        return Err(GroupError::LastManager);
    }
    channels::delete_member(&txn, channel.id, actor.user_id).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ChannelLeave,
        &AuditTarget::Channel(channel.id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A manager (or admin) takes someone out of a private channel: from their
/// next request on they can neither read nor find its content (nothing
/// needs reindexing: membership is read on every search). The last manager
/// stays while others are in it. False if they were not a member.
pub async fn remove_member(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    user_id: i64,
) -> Result<bool, GroupError> {
    allow(
        policy::can_manage_members(actor, &channel.facts(actor)),
        Refusal::ManagersOnly,
    )?;
    let txn = store::begin_write(db).await?;
    if would_leave_nobody_in_charge(&txn, channel.id, user_id).await? {
        return Err(GroupError::LastManager);
    }
    let removed = channels::delete_member(&txn, channel.id, user_id).await?;
    if removed {
        audit::record(
            &txn,
            Some(actor.user_id),
            AuditAction::ChannelMemberRemove,
            &AuditTarget::Channel(channel.id),
            &format!("user:{user_id}"),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(removed)
}

/// Change a channel's name and purpose.
pub async fn edit(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    name: &str,
    purpose: &str,
) -> Result<(), GroupError> {
    allow(
        policy::can_manage_channel(actor, &channel.facts(actor)),
        Refusal::ManagersOnly,
    )?;
    let name = name.trim();
    if name.is_empty() {
        return Err(GroupError::Invalid("Give the channel a name."));
    }
    if name.chars().count() > MAX_NAME {
        return Err(GroupError::Invalid("Keep the name under 80 characters."));
    }
    if purpose.trim().chars().count() > MAX_MESSAGE {
        return Err(GroupError::Invalid("Keep the purpose under 500 characters."));
    }
    let txn = store::begin_write(db).await?;
    channels::rename(&txn, channel.id, name, purpose).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ChannelEdit,
        &AuditTarget::Channel(channel.id),
        name,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Name someone a manager of a channel (`until` is `None`), or a deputy
/// with the managers' rights until a moment, after which they lapse by
/// themselves. In a private channel they become a member too. They are
/// told, with the last day read in `tz`.
pub async fn name_steward(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    user_id: i64,
    until: Option<DateTime<Utc>>,
    tz: chrono_tz::Tz,
) -> Result<(), GroupError> {
    allow(policy::can_name_deputies(actor, channel.id), Refusal::ManagersOnly)?;
    if until.is_some_and(|u| u <= actor.at) {
        return Err(GroupError::EndInPast);
    }
    let txn = store::begin_write(db).await?;
    if until.is_some() && last_manager(&txn, channel.id, user_id).await? {
        // Making the only manager a deputy would leave nobody in charge.
        return Err(GroupError::LastManager);
    }
    groups::name_steward(&txn, channel.id, user_id, until, actor.user_id).await?;
    if channel.visibility.is_private() {
        channels::insert_member(&txn, channel.id, user_id, Some(actor.user_id)).await?;
    }
    channels::follow(&txn, user_id, channel.id).await?;
    let detail = match until {
        Some(until) => format!("user:{user_id} deputy until {}", until.to_rfc3339()),
        None => format!("user:{user_id} manager"),
    };
    // Told after the membership, so they can read what it is about.
    let body = match until {
        Some(until) => format!(
            "You are deputy for {} until the end of {}: you run it as its managers do until then.",
            channel.name,
            last_local_day(until, tz)
        ),
        None => format!("You are now a manager of {}.", channel.name),
    };
    notifications::notify(
        &txn,
        NewNotification {
            user_id,
            kind: NotificationKind::Steward,
            actor_id: Some(actor.user_id),
            channel_id: Some(channel.id),
            post_id: None,
            reply_id: None,
            body,
            link: Some(format!("/c/{}/members", channel.slug)),
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ChannelStewardName,
        &AuditTarget::Channel(channel.id),
        &detail,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Someone stops managing a channel or covering for its manager (they stay
/// a member). The last manager stays until another is named.
pub async fn remove_steward(
    db: &impl TransactionTrait,
    actor: &Actor,
    channel: &Channel,
    user_id: i64,
) -> Result<(), GroupError> {
    allow(policy::can_name_deputies(actor, channel.id), Refusal::ManagersOnly)?;
    let txn = store::begin_write(db).await?;
    if last_manager(&txn, channel.id, user_id).await? {
        return Err(GroupError::LastManager);
    }
    if !groups::remove_steward(&txn, channel.id, user_id).await? {
        return Err(GroupError::NotFound);
    }
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ChannelStewardRemove,
        &AuditTarget::Channel(channel.id),
        &format!("user:{user_id}"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Who "Sam Jones", "sam" or "@sam.jones" names.
pub enum Named {
    One(i64, String),
    Several(Vec<PersonChip>),
    Nobody,
}

impl Named {
    /// The people to choose from, when what was typed named several.
    pub fn candidates(&self) -> Vec<PersonChip> {
        match self {
            Named::Several(found) => found.clone(),
            _ => Vec::new(),
        }
    }

    /// What to tell the person about a field that named nobody, or several.
    pub fn errors(&self, field: &'static str) -> FormErrors {
        match self {
            Named::One(..) => FormErrors::new(),
            Named::Several(_) => FormErrors::with(
                field,
                "More than one person matches that. Choose who you meant below, or type their handle.",
            ),
            Named::Nobody => FormErrors::with(
                field,
                "Nobody has that name or handle. Check the spelling, or type part of their name.",
            ),
        }
    }
}

/// A handle names its person; otherwise a name (or the start of one) does if
/// only one active person has it, or exactly that name.
pub async fn person_named(db: &impl ConnectionTrait, typed: &str) -> Result<Named, DbErr> {
    if let Some(handle) = Handle::parse(typed)
        && let Some((id, handle)) = users::existing_handles(db, &[handle]).await?.into_iter().next()
    {
        return Ok(Named::One(id, handle));
    }
    let mut found = users::suggest(db, typed, 8).await?;
    let wanted = typed.trim().to_lowercase();
    if let Some(exact) = found.iter().position(|p| p.name.to_lowercase() == wanted)
        && found.iter().filter(|p| p.name.to_lowercase() == wanted).count() == 1
    {
        let p = found.swap_remove(exact);
        return Ok(Named::One(p.id, p.handle));
    }
    Ok(match found.len() {
        0 => Named::Nobody,
        1 => {
            let p = found.remove(0);
            Named::One(p.id, p.handle)
        }
        _ => Named::Several(found),
    })
}
