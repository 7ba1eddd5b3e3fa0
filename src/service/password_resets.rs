//! Forgotten passwords: a link by email to choose a new one. Anyone may ask
//! for a link for an address, and the answer is the same whether or not it
//! has an account; an administrator may send one to anyone active. A link
//! works once, only while its account is active, and using it ends every
//! session the person has.

use chrono::Duration;
use sea_orm::{DbErr, TransactionTrait};

use super::accounts::{hash_password, may_email};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::email::messages::PasswordReset;
use crate::state::AppState;
use crate::store::users::{self, Account};
use crate::store::{self, audit, password_resets, sessions};

/// How long a link works, in hours (at least one).
fn valid_for(hours: i64) -> Duration {
    Duration::hours(hours.max(1))
}

/// Email `account` a link with `token`, valid for `hours`.
async fn send_link(state: &AppState, account: &Account, token: &str, hours: i64, by_admin: bool) -> anyhow::Result<()> {
    let message = PasswordReset {
        name: account.name.clone(),
        link: format!("{}/password/reset/{token}", state.public_base()),
        hours: hours.max(1),
        by_admin,
    }
    .render()?;
    state.mailer.send(&account.email, message).await
}

/// Someone asked for a link for `email`, from `client`. If an active account
/// uses that address (and neither has asked too often lately) it gets a
/// link, and any older link stops working. Nothing the caller can see
/// differs: an unknown or suspended address, a throttled request and a mail
/// server that refused are all logged here and answered alike.
pub async fn request(state: &AppState, email: &EmailAddress, client: &str) -> Result<(), DbErr> {
    if !may_email(state, "reset", email, client, 3).await? {
        return Ok(());
    }
    let account = users::account_by_email(&state.db, email.as_str()).await?;
    let Some(account) = account.filter(|a| a.active) else {
        tracing::info!("password reset asked for an address with no active account");
        return Ok(());
    };
    let hours = state.settings.auth.reset_link_hours;
    let txn = store::begin_write(&state.db).await?;
    let token = password_resets::issue(&txn, account.id, None, valid_for(hours)).await?;
    txn.commit().await?;
    if let Err(err) = send_link(state, &account, &token, hours, false).await {
        tracing::error!(user.id = account.id, error = ?err, "could not send a password reset link");
    }
    Ok(())
}

/// Why an administrator's link was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("no such account")]
    NoSuchAccount,
    #[error("the account is suspended: reactivate it first")]
    Suspended,
    /// The link was made (and audited) but the mail server did not take it.
    #[error("the email could not be sent: {0:#}")]
    Unsent(anyhow::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// An administrator sends person `id` a link (valid longer than one asked
/// for: the person may not read their email at once). Audited in the same
/// transaction as the link is made. Returns the address it went to.
pub async fn send_by_admin(state: &AppState, actor: i64, id: i64) -> Result<String, SendError> {
    let hours = state.settings.auth.admin_reset_link_hours;
    let txn = store::begin_write(&state.db).await?;
    let account = users::account_by_id(&txn, id).await?.ok_or(SendError::NoSuchAccount)?;
    if !account.active {
        return Err(SendError::Suspended);
    }
    let token = password_resets::issue(&txn, id, Some(actor), valid_for(hours)).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditAction::ResetLinkSent,
        &AuditTarget::User(id),
        &format!("valid {} hours", hours.max(1)),
    )
    .await?;
    txn.commit().await?;
    send_link(state, &account, &token, hours, true)
        .await
        .map_err(SendError::Unsent)?;
    Ok(account.email)
}

/// The active account an open link is for, or `None` for a link that no
/// longer works (used, replaced, expired, unknown, or its account suspended).
pub async fn account_for(db: &impl sea_orm::ConnectionTrait, token: &str) -> Result<Option<Account>, DbErr> {
    let Some(open) = password_resets::find_open(db, token).await? else {
        return Ok(None);
    };
    Ok(users::account_by_id(db, open.user_id).await?.filter(|a| a.active))
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// The link does not work (any more).
    #[error("the link has been used or has expired")]
    Gone,
    #[error(transparent)]
    Hash(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Choose a new password by a link: the password changes, the link is used
/// up, every session of the person ends and the audit log says so, all in
/// one transaction. Nobody is signed in. Returns the account's id.
pub async fn reset(db: &impl TransactionTrait, token: &str, new: &NewPassword) -> Result<i64, ResetError> {
    // Hashing is slow: do it before taking the write lock, then check again.
    let hash = hash_password(new.expose().to_owned()).await?;
    let txn = store::begin_write(db).await?;
    let Some(open) = password_resets::find_open(&txn, token).await? else {
        return Err(ResetError::Gone);
    };
    let active = users::account_by_id(&txn, open.user_id)
        .await?
        .is_some_and(|a| a.active);
    if !active || !password_resets::claim(&txn, open.id).await? {
        return Err(ResetError::Gone);
    }
    users::set_password_hash(&txn, open.user_id, &hash).await?;
    let ended = sessions::revoke_for_user(&txn, open.user_id, None).await?;
    let how = if open.requested_by.is_some() {
        "by a link an administrator sent"
    } else {
        "by a link they asked for"
    };
    audit::record(
        &txn,
        Some(open.user_id),
        AuditAction::PasswordReset,
        &AuditTarget::User(open.user_id),
        &format!("{how}; {ended} sessions ended"),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user.id = open.user_id, "password reset");
    Ok(open.user_id)
}
