//! Keeping the community safe: reports from anyone, and what moderators do
//! with them (dismiss, hide, restore, warn), and the break glass that stops
//! a compromised account in one action and its undo. Each function checks
//! the policy, owns its transaction and writes the audit row in it; the
//! person acted on is told by a notice in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, TransactionTrait};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::moderation::{NoticeKind, Reason, Report, ReportReason, Target};
use crate::domain::policy::{self, Actor, ContentFacts, Refusal};
use crate::domain::time::now;
use crate::email::messages::BreakGlassAlert;
use crate::state::AppState;
use crate::store::moderation::{self as rows, Incident, ItemRow, QueueItem};
use crate::store::{self, audit, channels, sessions, users};

#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// Not there, or not for this person's eyes.
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Refused(Refusal),
    #[error("you have already reported this")]
    AlreadyReported,
    #[error("you cannot do that to your own account")]
    NotYourself,
    #[error("this was already undone")]
    AlreadyUndone,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The item a target names, if the actor may read it, with its facts.
async fn readable(
    db: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    target: Target,
) -> Result<(ItemRow, ContentFacts, policy::ChannelFacts), ModerationError> {
    let item = rows::item(db, target).await?.ok_or(ModerationError::NotFound)?;
    let ch = channels::facts(
        item.channel_id,
        item.visibility(),
        item.channel_archived_at.is_some(),
        actor,
    );
    let content = ContentFacts {
        author_id: item.author_id,
        deleted: item.deleted_at.is_some(),
        hidden: item.hidden_at.is_some(),
        scheduled: item.published_at > now(),
    };
    if !policy::can_read_content(actor, &ch, &content) {
        return Err(ModerationError::NotFound);
    }
    Ok((item, content, ch))
}

/// Where a target is read: its thread, at the reply.
pub fn link(target: Target, post_id: i64) -> String {
    match target {
        Target::Post(_) => format!("/p/{post_id}"),
        Target::Reply(id) => format!("/p/{post_id}#reply-{id}"),
    }
}

/// Report a post or reply. The reporter's name is for moderators only.
pub async fn report(
    db: &impl TransactionTrait,
    actor: &Actor,
    target: Target,
    report: &Report,
) -> Result<i64, ModerationError> {
    let txn = store::begin_write(db).await?;
    let (item, content, ch) = readable(&txn, actor, target).await?;
    if !policy::can_report(actor, &ch, &content) {
        return Err(ModerationError::Refused(if content.author_id == actor.user_id {
            Refusal::OwnWords
        } else {
            Refusal::Closed
        }));
    }
    let id = rows::add_report(&txn, actor.user_id, target, item.post_id, report)
        .await?
        .ok_or(ModerationError::AlreadyReported)?;
    txn.commit().await?;
    Ok(id)
}

/// Whether a person already reported an item.
pub async fn has_reported(db: &impl sea_orm::ConnectionTrait, reporter_id: i64, target: Target) -> Result<bool, DbErr> {
    rows::has_reported(db, reporter_id, target).await
}

/// The report queue for a moderator: open reports grouped by item, the item
/// with most reports first. Reports on what the moderator may not read (a
/// working group they are not in) are counted, not shown.
pub struct Queue {
    pub items: Vec<QueueItem>,
    pub elsewhere: usize,
}

pub async fn queue(db: &impl sea_orm::ConnectionTrait, actor: &Actor) -> Result<Queue, ModerationError> {
    if !policy::can_moderate(actor) {
        return Err(ModerationError::Refused(Refusal::ModeratorsOnly));
    }
    let mut items: Vec<QueueItem> = Vec::new();
    let mut elsewhere = 0;
    for report in rows::open_reports(db).await? {
        let ch = channels::facts(report.channel_id, report.channel_visibility, false, actor);
        if !policy::can_read_channel(actor, &ch) {
            elsewhere += 1;
            continue;
        }
        match items.iter_mut().find(|i| i.target == report.target) {
            Some(item) => item.reports.push(report),
            None => items.push(QueueItem {
                target: report.target,
                link: link(report.target, report.post_id),
                post_title: report.post_title.clone(),
                channel_slug: report.channel_slug.clone(),
                author_id: report.author_id,
                author_name: report.author_name.clone(),
                author_handle: report.author_handle.clone(),
                excerpt: crate::domain::markdown::excerpt(&report.body_md, 400),
                hidden: report.hidden,
                reasons: Vec::new(),
                reports: vec![report],
            }),
        }
    }
    for item in &mut items {
        for reason in ReportReason::ALL {
            let n = item.reports.iter().filter(|r| r.reason == reason).count();
            if n > 0 {
                item.reasons.push((reason, n));
            }
        }
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.reports.len()));
    Ok(Queue { items, elsewhere })
}

fn moderator_only(actor: &Actor) -> Result<(), ModerationError> {
    if policy::can_moderate(actor) {
        Ok(())
    } else {
        Err(ModerationError::Refused(Refusal::ModeratorsOnly))
    }
}

/// Close the reports on an item with no action.
pub async fn dismiss(
    db: &impl TransactionTrait,
    actor: &Actor,
    target: Target,
    note: &str,
) -> Result<u64, ModerationError> {
    moderator_only(actor)?;
    let txn = store::begin_write(db).await?;
    readable(&txn, actor, target).await?;
    let closed = rows::resolve(&txn, target, actor.user_id, "dismissed").await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::ReportDismiss,
        &audit_target(target),
        note.trim(),
    )
    .await?;
    txn.commit().await?;
    Ok(closed)
}

fn audit_target(target: Target) -> AuditTarget {
    match target {
        Target::Post(id) => AuditTarget::Post(id),
        Target::Reply(id) => AuditTarget::Reply(id),
    }
}

/// Hide an item for everyone but its author and the moderators: it leaves
/// timelines, search and digests, and is kept for the record. Its reports
/// close, and the author is told why. False if it was hidden already.
pub async fn hide(
    db: &impl TransactionTrait,
    actor: &Actor,
    target: Target,
    reason: &Reason,
) -> Result<bool, ModerationError> {
    moderator_only(actor)?;
    let txn = store::begin_write(db).await?;
    let (item, _, _) = readable(&txn, actor, target).await?;
    if !rows::set_hidden(&txn, target, Some((actor.user_id, reason.as_str(), None))).await? {
        return Ok(false);
    }
    rows::resolve(&txn, target, actor.user_id, "hidden").await?;
    if item.author_id != actor.user_id {
        let what = match target {
            Target::Post(_) => "your post",
            Target::Reply(_) => "your reply",
        };
        let body = format!("A moderator hid {what}. Their reason: {reason}");
        rows::add_notice(
            &txn,
            item.author_id,
            NoticeKind::Hidden,
            &body,
            Some(&link(target, item.post_id)),
            Some(actor.user_id),
        )
        .await?;
    }
    let action = match target {
        Target::Post(_) => AuditAction::PostHide,
        Target::Reply(_) => AuditAction::ReplyHide,
    };
    audit::record(
        &txn,
        Some(actor.user_id),
        action,
        &audit_target(target),
        reason.as_str(),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Show a hidden item again, and tell its author. False if it was not hidden.
pub async fn restore(db: &impl TransactionTrait, actor: &Actor, target: Target) -> Result<bool, ModerationError> {
    moderator_only(actor)?;
    let txn = store::begin_write(db).await?;
    let (item, _, _) = readable(&txn, actor, target).await?;
    if !rows::set_hidden(&txn, target, None).await? {
        return Ok(false);
    }
    if item.author_id != actor.user_id {
        rows::add_notice(
            &txn,
            item.author_id,
            NoticeKind::Restored,
            "A moderator looked again and restored what they had hidden: everyone can read it again.",
            Some(&link(target, item.post_id)),
            Some(actor.user_id),
        )
        .await?;
    }
    let action = match target {
        Target::Post(_) => AuditAction::PostUnhide,
        Target::Reply(_) => AuditAction::ReplyUnhide,
    };
    audit::record(&txn, Some(actor.user_id), action, &audit_target(target), "").await?;
    txn.commit().await?;
    Ok(true)
}

/// Warn a person: a message they see on every page until they acknowledge it.
pub async fn warn(
    db: &impl TransactionTrait,
    actor: &Actor,
    user_id: i64,
    message: &Reason,
) -> Result<(), ModerationError> {
    moderator_only(actor)?;
    if user_id == actor.user_id {
        return Err(ModerationError::NotYourself);
    }
    let txn = store::begin_write(db).await?;
    users::account_by_id(&txn, user_id)
        .await?
        .ok_or(ModerationError::NotFound)?;
    rows::add_notice(
        &txn,
        user_id,
        NoticeKind::Warning,
        message.as_str(),
        Some("/guidelines"),
        Some(actor.user_id),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::UserWarn,
        &AuditTarget::User(user_id),
        message.as_str(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a break glass did.
#[derive(Debug, Clone)]
pub struct BreakGlass {
    pub incident: i64,
    pub sessions_ended: u64,
    pub hidden: usize,
}

/// Stop a compromised account in one action: suspend it, end every session
/// it has (its open browser is signed out on its next request), hide
/// everything it wrote since `since` pending review, and tell the other
/// moderators (a notice, and an email after the commit). One transaction,
/// one audit row.
pub async fn break_glass(
    state: &AppState,
    actor: &Actor,
    user_id: i64,
    since: DateTime<Utc>,
    reason: &Reason,
) -> Result<BreakGlass, ModerationError> {
    moderator_only(actor)?;
    if user_id == actor.user_id {
        return Err(ModerationError::NotYourself);
    }
    let txn = store::begin_write(&state.db).await?;
    let account = users::account_by_id(&txn, user_id)
        .await?
        .ok_or(ModerationError::NotFound)?;
    users::set_status(&txn, user_id, "suspended").await?;
    let sessions_ended = sessions::revoke_for_user(&txn, user_id, None).await?;
    let incident = rows::add_incident(&txn, user_id, actor.user_id, since, reason.as_str()).await?;
    let written = rows::written_since(&txn, user_id, since).await?;
    let mut hidden = 0;
    let why = format!("Hidden pending review after the account was stopped: {reason}");
    for target in written {
        if rows::set_hidden(&txn, target, Some((actor.user_id, &why, Some(incident)))).await? {
            hidden += 1;
        }
    }
    let body = format!(
        "{} was stopped: suspended, signed out everywhere, and {hidden} posts and replies since {} hidden pending review. Reason: {reason}",
        account.name,
        since.format("%-d %B %Y %H:%M UTC"),
    );
    let page = format!("/moderation/people/{user_id}");
    let others: Vec<(i64, String)> = rows::moderators(&txn)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != actor.user_id && *id != user_id)
        .collect();
    for (moderator, _) in &others {
        rows::add_notice(
            &txn,
            *moderator,
            NoticeKind::BreakGlass,
            &body,
            Some(&page),
            Some(actor.user_id),
        )
        .await?;
    }
    let detail = format!(
        "incident {incident}; since {}; {hidden} hidden; {sessions_ended} sessions ended; {reason}",
        since.to_rfc3339()
    );
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::BreakGlass,
        &AuditTarget::User(user_id),
        &detail,
    )
    .await?;
    let by = users::account_by_id(&txn, actor.user_id)
        .await?
        .map_or_else(|| "A moderator".to_owned(), |a| a.name);
    txn.commit().await?;
    // Out of hours the others may not be signed in: email them too. After
    // the commit, so a mail server's trouble never undoes the stop.
    let alert = BreakGlassAlert {
        name: account.name,
        by,
        hidden,
        since: since
            .with_timezone(&state.settings.curation.timezone)
            .format("%-d %B %Y %H:%M %Z")
            .to_string(),
        reason: reason.to_string(),
        link: format!("{}{page}", state.settings.public_base()),
    };
    match alert.render() {
        Ok(message) => {
            for (_, email) in &others {
                if let Err(err) = state.mailer.send(email, message.clone()).await {
                    tracing::warn!(error = %err, to = %email, "could not email a moderator about a break glass");
                }
            }
        }
        Err(err) => tracing::error!(error = %err, "could not render the break-glass email"),
    }
    Ok(BreakGlass {
        incident,
        sessions_ended,
        hidden,
    })
}

/// Undo a break glass: show again what it hid (what a moderator has not
/// dealt with since) and let the account sign in again. Returns how many
/// items came back.
pub async fn undo_break_glass(
    db: &impl TransactionTrait,
    actor: &Actor,
    incident_id: i64,
) -> Result<usize, ModerationError> {
    moderator_only(actor)?;
    let txn = store::begin_write(db).await?;
    let incident = rows::incident(&txn, incident_id)
        .await?
        .ok_or(ModerationError::NotFound)?;
    if !rows::mark_undone(&txn, incident_id, actor.user_id).await? {
        return Err(ModerationError::AlreadyUndone);
    }
    let mut shown = 0;
    for target in rows::hidden_by_incident(&txn, incident_id).await? {
        if rows::set_hidden(&txn, target, None).await? {
            shown += 1;
        }
    }
    users::set_status(&txn, incident.user_id, "active").await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::BreakGlassUndo,
        &AuditTarget::User(incident.user_id),
        &format!("incident {incident_id}; {shown} shown again"),
    )
    .await?;
    txn.commit().await?;
    Ok(shown)
}

/// A person as a moderator sees them: status, break glasses, and notices.
pub async fn incidents(db: &impl sea_orm::ConnectionTrait, user_id: i64) -> Result<Vec<Incident>, DbErr> {
    rows::incidents_for(db, user_id).await
}
