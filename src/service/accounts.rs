//! Accounts: checking a password, signing in with throttling, asking for a
//! sign-up link, and ending a person's other sessions. Passwords are hashed
//! and checked with argon2id (password-auth) on a blocking thread, never on
//! the async runtime.

use std::sync::LazyLock;

use sea_orm::{DbErr, TransactionTrait};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::time::now;
use crate::email::messages::{SignupExisting, SignupLink};
use crate::state::AppState;
use crate::store::users::{self, Account};
use crate::store::{self, audit, invites, sessions, throttle};

/// Hash a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await
}

/// Checked when no account matches, so a wrong email costs as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| password_auth::generate_hash("not a real password"));

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("the password check did not finish: {0}")]
    Hash(#[from] tokio::task::JoinError),
}

/// The active account these credentials belong to, if they do. Costs the
/// same whether or not the address has an account.
pub async fn check_password(
    db: &impl sea_orm::ConnectionTrait,
    email: &str,
    password: String,
) -> Result<Option<Account>, CheckError> {
    let account = match EmailAddress::parse(email) {
        Ok(email) => users::account_by_email(db, email.as_str()).await?,
        Err(_) => None,
    };
    let hash = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let ok = tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok()).await?;
    Ok(account.filter(|a| ok && a.active && a.password_hash.is_some()))
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many failures from this account or address: wait this many minutes.
    #[error("too many sign-in attempts; wait {minutes} minutes")]
    Throttled { minutes: i64 },
    /// No active account has this address and password.
    #[error("that email address and password do not match an account")]
    Mismatch,
    #[error(transparent)]
    Check(#[from] CheckError),
}

impl From<DbErr> for SignInError {
    fn from(err: DbErr) -> Self {
        SignInError::Check(CheckError::Db(err))
    }
}

/// Sign in with an email address and password, from a client address.
/// Failures count against both the account and the address; once either
/// has too many, it must wait (the wait doubles, up to a cap), and a
/// success clears the account's count.
pub async fn sign_in(state: &AppState, email: &str, password: String, client: &str) -> Result<Account, SignInError> {
    let auth = &state.settings.auth;
    let account_key = format!("account:{}", email.trim().to_lowercase());
    let client_key = format!("ip:{client}");
    let blocked = match throttle::blocked_until(&state.db, &account_key).await? {
        Some(until) => Some(until),
        None => throttle::blocked_until(&state.db, &client_key).await?,
    };
    if let Some(until) = blocked {
        let wait = (until - now()).num_seconds().max(1);
        return Err(SignInError::Throttled {
            minutes: (wait + 59) / 60,
        });
    }
    let Some(account) = check_password(&state.db, email, password).await? else {
        throttle::record_failure(
            &state.db,
            &account_key,
            auth.throttle_limits(auth.max_failures_per_account),
        )
        .await?;
        throttle::record_failure(&state.db, &client_key, auth.throttle_limits(auth.max_failures_per_ip)).await?;
        tracing::info!(client = %client_key, "failed sign-in");
        return Err(SignInError::Mismatch);
    };
    throttle::clear(&state.db, &account_key).await?;
    tracing::info!(user.id = account.id, "signed in");
    Ok(account)
}

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// Sign-up is open to these domains only.
    #[error("sign-up is open to addresses at {0}")]
    DomainNotAllowed(String),
    /// The email could not be sent just now.
    #[error("the email could not be sent: {0:#}")]
    Unsent(anyhow::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Send a sign-up link to an address at an allowed domain (or, if it has an
/// account already, a reminder to sign in). The outcome is the same either
/// way, so nobody can use it to find out who has an account; a flood of
/// requests from one address or for one email sends nothing more.
pub async fn request_signup(state: &AppState, email: &EmailAddress, client: &str) -> Result<(), SignupError> {
    let auth = &state.settings.auth;
    if !state.settings.signup_allowed(email.domain()) {
        return Err(SignupError::DomainNotAllowed(auth.signup_domains.join(", ")));
    }
    if !may_email(state, "signup", email, client, 3).await? {
        return Ok(());
    }

    let message = if users::account_by_email(&state.db, email.as_str()).await?.is_some() {
        SignupExisting {
            sign_in: format!("{}/login", state.public_base()),
        }
        .render()
    } else {
        let token = invites::create_signup(&state.db, email, auth.signup_link_hours).await?;
        SignupLink {
            link: format!("{}/invite/{token}", state.public_base()),
            hours: auth.signup_link_hours,
        }
        .render()
    }
    .map_err(|e| SignupError::Unsent(anyhow::Error::new(e).context("rendering the sign-up email")))?;
    state
        .mailer
        .send(email.as_str(), message)
        .await
        .map_err(SignupError::Unsent)
}

/// Whether a request that emails `email` (a sign-up link, a subscription's
/// confirmation, a password reset link) may go now, counting it: not if
/// this client, or this address (`per_address` emails a window), asked too
/// often lately. `kind` keeps each form's counts apart. Whoever asks is
/// told the same either way.
pub(crate) async fn may_email(
    state: &AppState,
    kind: &str,
    email: &EmailAddress,
    client: &str,
    per_address: i32,
) -> Result<bool, DbErr> {
    let auth = &state.settings.auth;
    let client_key = format!("{kind}-ip:{client}");
    let email_key = format!("{kind}:{}", email.as_str());
    if throttle::blocked_until(&state.db, &client_key).await?.is_some()
        || throttle::blocked_until(&state.db, &email_key).await?.is_some()
    {
        tracing::info!(client = %client_key, "{kind} request throttled");
        return Ok(false);
    }
    throttle::record_failure(
        &state.db,
        &client_key,
        auth.throttle_limits(auth.max_failures_per_account * 2),
    )
    .await?;
    throttle::record_failure(&state.db, &email_key, auth.throttle_limits(per_address)).await?;
    Ok(true)
}

/// Sign a person out of every session but `keep` (the one they are using),
/// and record that in the audit log, in one transaction. Returns how many ended.
pub async fn end_other_sessions(db: &impl TransactionTrait, user_id: i64, keep: Option<&str>) -> Result<u64, DbErr> {
    let txn = store::begin_write(db).await?;
    let ended = sessions::revoke_for_user(&txn, user_id, keep).await?;
    audit::record(
        &txn,
        Some(user_id),
        AuditAction::SessionsRevokeOthers,
        &AuditTarget::User(user_id),
        &ended.to_string(),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Why an account could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("nobody has the address {0}")]
    NoSuchPerson(String),
    #[error("everyone is a member: that role cannot be taken away")]
    MemberIsImplied,
    #[error("you cannot suspend yourself or take away your own administrator role")]
    NotYourself,
    #[error("no such account")]
    NoSuchAccount,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The account with this address.
pub async fn account_id(db: &impl sea_orm::ConnectionTrait, email: &str) -> Result<i64, AccountError> {
    let email = email.trim().to_lowercase();
    users::account_by_email(db, &email)
        .await?
        .map(|a| a.id)
        .ok_or(AccountError::NoSuchPerson(email))
}

/// Suspend an account (a leaver, or one that was hacked): it can no longer
/// sign in, and every session it has ends at once (its open browser is
/// signed out on its next request). Audited with `reason`, in the same
/// transaction. Returns how many sessions ended, or `None` if it was
/// already suspended.
pub async fn suspend(
    db: &impl TransactionTrait,
    actor: Option<i64>,
    id: i64,
    reason: &str,
) -> Result<Option<u64>, AccountError> {
    if actor == Some(id) {
        return Err(AccountError::NotYourself);
    }
    let txn = store::begin_write(db).await?;
    if users::account_by_id(&txn, id).await?.is_none() {
        return Err(AccountError::NoSuchAccount);
    }
    if !users::set_status(&txn, id, "suspended").await? {
        return Ok(None);
    }
    let ended = sessions::revoke_for_user(&txn, id, None).await?;
    audit::record(
        &txn,
        actor,
        AuditAction::UserSuspend,
        &AuditTarget::User(id),
        reason.trim(),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(ended))
}

/// Let a suspended account sign in again; false if it was not suspended.
pub async fn reactivate(db: &impl TransactionTrait, actor: Option<i64>, id: i64) -> Result<bool, AccountError> {
    let txn = store::begin_write(db).await?;
    if users::account_by_id(&txn, id).await?.is_none() {
        return Err(AccountError::NoSuchAccount);
    }
    if !users::set_status(&txn, id, "active").await? {
        return Ok(false);
    }
    audit::record(&txn, actor, AuditAction::UserReactivate, &AuditTarget::User(id), "").await?;
    txn.commit().await?;
    Ok(true)
}

/// Give and take away roles; returns the roles held afterwards (beyond
/// member). Takes effect on the person's next request.
pub async fn change_roles(
    db: &impl TransactionTrait,
    actor: Option<i64>,
    id: i64,
    add: &[Role],
    remove: &[Role],
) -> Result<Vec<Role>, AccountError> {
    if remove.contains(&Role::Member) {
        return Err(AccountError::MemberIsImplied);
    }
    if actor == Some(id) && remove.contains(&Role::Admin) {
        return Err(AccountError::NotYourself);
    }
    let txn = store::begin_write(db).await?;
    let before = users::account_by_id(&txn, id)
        .await?
        .ok_or(AccountError::NoSuchAccount)?
        .roles;
    let mut after: Vec<Role> = before
        .iter()
        .chain(add)
        .copied()
        .filter(|r| *r != Role::Member && !remove.contains(r))
        .collect();
    after.sort_unstable();
    after.dedup();
    let mut was: Vec<Role> = before.into_iter().filter(|r| *r != Role::Member).collect();
    was.sort_unstable();
    if was != after {
        users::set_roles(&txn, id, &after).await?;
        let names = |roles: &[Role]| {
            if roles.is_empty() {
                "member".to_owned()
            } else {
                roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            }
        };
        let detail = format!("{} → {}", names(&was), names(&after));
        audit::record(&txn, actor, AuditAction::UserRoles, &AuditTarget::User(id), &detail).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// Why a password was not changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("that is not your current password")]
    WrongCurrent,
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Hash(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Change one's own password, the current one given: every other session
/// ends (in the same transaction, audited); the one in use stays. Returns
/// the account as it now is (to renew the session in use) and how many
/// sessions ended.
pub async fn change_password(
    db: &(impl TransactionTrait + sea_orm::ConnectionTrait),
    user_id: i64,
    current: String,
    new: &crate::domain::password::NewPassword,
    keep: Option<&str>,
) -> Result<(Account, u64), PasswordChangeError> {
    let email = users::account_by_id(db, user_id)
        .await?
        .map(|a| a.email)
        .unwrap_or_default();
    let account = check_password(db, &email, current)
        .await?
        .ok_or(PasswordChangeError::WrongCurrent)?;
    let hash = hash_password(new.expose().to_owned()).await?;
    let txn = store::begin_write(db).await?;
    users::set_password_hash(&txn, account.id, &hash).await?;
    let ended = sessions::revoke_for_user(&txn, account.id, keep).await?;
    audit::record(
        &txn,
        Some(account.id),
        AuditAction::PasswordChange,
        &AuditTarget::User(account.id),
        &format!("{ended} other sessions ended"),
    )
    .await?;
    txn.commit().await?;
    let account = users::account_by_id(db, account.id)
        .await?
        .ok_or(DbErr::RecordNotFound("the account just changed".into()))?;
    Ok((account, ended))
}
