//! Invite links: single use, expiring, stored only as a hash of the token.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::users::{self, CreateUserError, NewUser};
use super::{audit, new_token, token_hash};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::email::EmailAddress;
use crate::domain::person::{PersonName, Work};
use crate::domain::role::Role;
use crate::domain::time::{When, now};
use crate::entities::{invite, user};

/// An invite that can still be used.
#[derive(Debug, Clone)]
pub struct OpenInvite {
    pub id: i64,
    pub email: Option<String>,
    pub role: Role,
}

/// A line in the admin's list of invites.
#[derive(Debug, Clone)]
pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created: When,
    pub expires: When,
    pub status: String,
    pub open: bool,
    /// Not used yet: a new link can replace it (if it expired, was
    /// withdrawn, or the first one went astray).
    pub renewable: bool,
}

/// What kind of invite to make, and who asked for it.
enum Origin<'a> {
    /// An admin's invite link, optionally for one address.
    Invite {
        created_by: i64,
        email: Option<&'a EmailAddress>,
    },
    /// A sign-up link someone in an allowed domain asked for.
    Signup { email: &'a EmailAddress },
}

/// Store an invite row and its audit line; returns the token, which is shown
/// or sent once and never stored.
async fn issue(
    db: &impl TransactionTrait,
    origin: Origin<'_>,
    role: Role,
    valid_for: Duration,
) -> Result<String, sea_orm::DbErr> {
    let (kind, email, created_by, action) = match origin {
        Origin::Invite { created_by, email } => ("invite", email, Some(created_by), AuditAction::InviteCreate),
        Origin::Signup { email } => ("signup", Some(email), None, AuditAction::SignupRequest),
    };
    let token = new_token();
    let at = now();
    let txn = super::begin_write(db).await?;
    let row = invite::ActiveModel {
        token_hash: Set(token_hash(&token)),
        email: Set(email.map(|e| e.as_str().to_owned())),
        role: Set(role.as_str().to_owned()),
        kind: Set(kind.into()),
        created_by: Set(created_by),
        created_at: Set(at),
        expires_at: Set(at + valid_for),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, created_by, action, &AuditTarget::Invite(row.id), role.as_str()).await?;
    txn.commit().await?;
    Ok(token)
}

/// An admin's invite link, valid for `days`.
pub async fn create(
    db: &impl TransactionTrait,
    created_by: i64,
    email: Option<&EmailAddress>,
    role: Role,
    days: i64,
) -> Result<String, sea_orm::DbErr> {
    issue(
        db,
        Origin::Invite { created_by, email },
        role,
        Duration::days(days.max(1)),
    )
    .await
}

/// A sign-up link for an address in an allowed domain: an invite fixed to that
/// address, made by nobody, with the default role.
pub async fn create_signup(
    db: &impl TransactionTrait,
    email: &EmailAddress,
    hours: i64,
) -> Result<String, sea_orm::DbErr> {
    issue(
        db,
        Origin::Signup { email },
        Role::Member,
        Duration::hours(hours.max(1)),
    )
    .await
}

pub async fn find_open(db: &impl ConnectionTrait, token: &str) -> Result<Option<OpenInvite>, sea_orm::DbErr> {
    let row = invite::Entity::find()
        .filter(invite::Column::TokenHash.eq(token_hash(token)))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::WithdrawnAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?;
    Ok(row.map(|r| OpenInvite {
        id: r.id,
        email: r.email,
        role: Role::parse(&r.role).unwrap_or(Role::Member),
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("the invite has been used or has expired")]
    Gone,
    #[error("an account with that email address already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Use an invite to create an account, exactly once even if two people race.
pub async fn redeem(
    db: &impl TransactionTrait,
    token: &str,
    email: EmailAddress,
    name: PersonName,
    password_hash: String,
) -> Result<i64, RedeemError> {
    let txn = super::begin_write(db).await?;
    let Some(open) = find_open(&txn, token).await? else {
        return Err(RedeemError::Gone);
    };
    let new = NewUser {
        email,
        name,
        password_hash: Some(password_hash),
        roles: vec![open.role],
        work: Work::default(),
    };
    let user_id = match users::create(&txn, new, None).await {
        Ok(id) => id,
        Err(CreateUserError::EmailTaken) => return Err(RedeemError::EmailTaken),
        Err(CreateUserError::Db(e)) => return Err(e.into()),
    };
    let claimed = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, Expr::value(now()))
        .col_expr(invite::Column::UsedBy, Expr::value(user_id))
        .filter(invite::Column::Id.eq(open.id))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::WithdrawnAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(RedeemError::Gone);
    }
    txn.commit().await?;
    Ok(user_id)
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<InviteRow>, sea_orm::DbErr> {
    let rows = invite::Entity::find().order_by_desc(invite::Column::Id).all(db).await?;
    let used_by: Vec<i64> = rows.iter().filter_map(|r| r.used_by).collect();
    let names: std::collections::HashMap<i64, String> = if used_by.is_empty() {
        Default::default()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(used_by))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let at = now();
    Ok(rows
        .into_iter()
        .map(|r| {
            let (status, open) = match (r.used_at, r.used_by) {
                (Some(_), Some(by)) => (
                    format!("Used by {}", names.get(&by).map_or("a former user", String::as_str)),
                    false,
                ),
                (Some(_), None) => ("Used".to_owned(), false),
                _ if r.withdrawn_at.is_some() => (
                    format!(
                        "Withdrawn {}",
                        r.withdrawn_at
                            .map(When::new)
                            .map(|w| w.human().to_string())
                            .unwrap_or_default()
                    ),
                    false,
                ),
                _ if r.expires_at <= at => ("Expired".to_owned(), false),
                _ => ("Open".to_owned(), true),
            };
            InviteRow {
                id: r.id,
                email: r.email.unwrap_or_else(|| "anyone with the link".into()),
                role: Role::parse(&r.role).unwrap_or(Role::Member),
                created: When::new(r.created_at),
                expires: When::new(r.expires_at),
                renewable: r.used_at.is_none(),
                status,
                open,
            }
        })
        .collect())
}

/// A new link for an unused invite (the same address and role, a fresh
/// expiry), the old link withdrawn, in one transaction; `None` if the
/// invite is not there or was used.
pub async fn renew(
    db: &impl TransactionTrait,
    actor_id: i64,
    id: i64,
    days: i64,
) -> Result<Option<String>, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let Some(old) = invite::Entity::find_by_id(id)
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::Kind.eq("invite"))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    invite::Entity::update_many()
        .col_expr(invite::Column::WithdrawnAt, Expr::value(now()))
        .filter(invite::Column::Id.eq(id))
        .filter(invite::Column::WithdrawnAt.is_null())
        .exec(&txn)
        .await?;
    let email = old
        .email
        .as_deref()
        .map(EmailAddress::parse)
        .transpose()
        .map_err(|m| sea_orm::DbErr::Custom(format!("invite {id} holds an unreadable address: {m}")))?;
    let role = Role::parse(&old.role).unwrap_or(Role::Member);
    let token = issue(
        &txn,
        Origin::Invite {
            created_by: actor_id,
            email: email.as_ref(),
        },
        role,
        Duration::days(days.max(1)),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(token))
}

/// Withdraw an unused, open invite: it stops working now, and keeps its expiry.
pub async fn withdraw(db: &impl TransactionTrait, actor_id: i64, id: i64) -> Result<bool, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::WithdrawnAt, Expr::value(now()))
        .filter(invite::Column::Id.eq(id))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::WithdrawnAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 1 {
        audit::record(
            &txn,
            Some(actor_id),
            AuditAction::InviteWithdraw,
            &AuditTarget::Invite(id),
            "",
        )
        .await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected == 1)
}
