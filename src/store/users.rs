//! People: accounts, roles and profiles.

use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::{audit, is_unique_violation};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::email::EmailAddress;
use crate::domain::handle::Handle;
use crate::domain::person::{PersonName, Work};
use crate::domain::policy::{Stewardship, Visibility};
use crate::domain::role::Role;
use crate::domain::time::{When, now};
use crate::entities::{channel, channel_follow, channel_member, user, user_role};
use chrono::{DateTime, Utc};

/// Everything sign-in and the policy need about a person.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub handle: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub roles: Vec<Role>,
    /// The private channels this person is a member of.
    pub channels: Vec<i64>,
    /// A version of the community guidelines awaits this person's acceptance.
    pub guidelines_pending: bool,
    /// Notifications this person has not read (of what they can read now).
    pub notices: i64,
    /// The channels this person manages or covers for as a deputy.
    pub manages: Vec<Stewardship>,
    /// The channels this person follows, with what reading them depends on.
    pub follows: Vec<Followed>,
    /// A moderator's warning awaits this person's acknowledgement.
    pub warning: bool,
}

/// A channel someone follows, with the facts that decide whether they may read it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Followed {
    pub channel_id: i64,
    pub visibility: Visibility,
    pub archived: bool,
}

/// A person as shown beside their words: name, handle, initials avatar.
#[derive(Debug, Clone)]
pub struct PersonChip {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub initials: String,
}

impl PersonChip {
    pub fn new(id: i64, name: String, handle: String) -> Self {
        let initials = initials(&name);
        Self {
            id,
            name,
            handle,
            initials,
        }
    }
}

/// A profile page.
#[derive(Debug, Clone)]
pub struct Profile {
    pub person: PersonChip,
    pub email: String,
    pub job_title: String,
    pub department: String,
    pub roles: Vec<Role>,
    pub joined: When,
    pub post_count: u64,
}

pub struct NewUser {
    pub email: EmailAddress,
    pub name: PersonName,
    pub password_hash: Option<String>,
    pub roles: Vec<Role>,
    pub work: Work,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with that email address already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// "Natalie Hughes" → "NH"; one name → its first two letters.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let picked: String = match words.as_slice() {
        [] => "?".into(),
        [one] => one.chars().take(2).collect(),
        [first, .., last] => first.chars().take(1).chain(last.chars().take(1)).collect(),
    };
    picked.to_uppercase()
}

/// Create an account with a unique handle derived from the email address.
pub async fn create(db: &impl TransactionTrait, new: NewUser, actor_id: Option<i64>) -> Result<i64, CreateUserError> {
    let txn = super::begin_write(db).await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(new.email.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(CreateUserError::EmailTaken);
    }
    let base = Handle::suggest(new.email.local_part());
    let mut handle = base.clone();
    let mut n = 1;
    while user::Entity::find()
        .filter(user::Column::Handle.eq(handle.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        n += 1;
        handle = base.numbered(n);
    }
    let at = now();
    let inserted = user::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        handle: Set(handle.as_str().to_owned()),
        name: Set(new.name.as_str().to_owned()),
        job_title: Set(new.work.job_title.as_str().to_owned()),
        department: Set(new.work.department.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        status: Set("active".into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let user = match inserted {
        Ok(user) => user,
        Err(e) if is_unique_violation(&e) => return Err(CreateUserError::EmailTaken),
        Err(e) => return Err(e.into()),
    };
    for role in new.roles.iter().filter(|r| **r != Role::Member) {
        user_role::ActiveModel {
            user_id: Set(user.id),
            role: Set(role.as_str().to_owned()),
            granted_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    let roles: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
    audit::record(
        &txn,
        actor_id,
        AuditAction::UserCreate,
        &AuditTarget::User(user.id),
        &roles.join(","),
    )
    .await?;
    txn.commit().await?;
    Ok(user.id)
}

async fn roles_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Role>, sea_orm::DbErr> {
    Ok(user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect())
}

/// An account as read, with the stamp it was read at. The database bumps the
/// stamp (by trigger) in the same transaction as any change to what the
/// account holds, so an account kept beside its stamp is current for exactly
/// as long as the stamp is.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub stamp: i64,
    pub account: Account,
}

/// The account's own row, with the per-person figures its pages show.
#[derive(FromQueryResult)]
struct AccountHead {
    id: i64,
    email: String,
    handle: String,
    name: String,
    password_hash: Option<String>,
    status: String,
    access_stamp: i64,
    guidelines_pending: bool,
    notices: i64,
    warning: bool,
}

#[derive(FromQueryResult)]
struct Managed {
    channel_id: i64,
    until: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct FollowedRow {
    channel_id: i64,
    visibility: String,
    archived_at: Option<DateTime<Utc>>,
}

/// The account matching `filter` (a condition on `users`), then its roles,
/// private-channel memberships, the channels it manages and those it
/// follows. The account's row is read first, so what follows it is at least
/// as new as its stamp.
async fn account_where(db: &impl ConnectionTrait, filter: SimpleExpr) -> Result<Option<Stamped>, sea_orm::DbErr> {
    use user::Column as U;
    let head = Query::select()
        .columns([
            U::Id,
            U::Email,
            U::Handle,
            U::Name,
            U::PasswordHash,
            U::Status,
            U::AccessStamp,
        ])
        .expr_as(
            super::guidelines::pending_for((user::Entity, U::Id)),
            Alias::new("guidelines_pending"),
        )
        .expr_as(
            super::notifications::unread_count((user::Entity, U::Id)),
            Alias::new("notices"),
        )
        .expr_as(
            super::notifications::warning_pending((user::Entity, U::Id)),
            Alias::new("warning"),
        )
        .from(user::Entity)
        .and_where(filter)
        .to_owned();
    let backend = db.get_database_backend();
    let Some(head) = AccountHead::find_by_statement(backend.build(&head)).one(db).await? else {
        return Ok(None);
    };
    let id = head.id;
    let managed = Query::select()
        .columns([Alias::new("channel_id"), Alias::new("until")])
        .from(Alias::new("channel_managers"))
        .and_where(Expr::col(Alias::new("user_id")).eq(id))
        .to_owned();
    let followed = Query::select()
        .column((channel_follow::Entity, channel_follow::Column::ChannelId))
        .columns([
            (channel::Entity, channel::Column::Visibility),
            (channel::Entity, channel::Column::ArchivedAt),
        ])
        .from(channel_follow::Entity)
        .inner_join(
            channel::Entity,
            Expr::col((channel::Entity, channel::Column::Id))
                .equals((channel_follow::Entity, channel_follow::Column::ChannelId)),
        )
        .and_where(Expr::col((channel_follow::Entity, channel_follow::Column::UserId)).eq(id))
        .to_owned();
    let (roles, channels, manages, follows) = tokio::try_join!(
        roles_of(db, id),
        channel_member::Entity::find()
            .filter(channel_member::Column::UserId.eq(id))
            .all(db),
        Managed::find_by_statement(backend.build(&managed)).all(db),
        FollowedRow::find_by_statement(backend.build(&followed)).all(db),
    )?;
    Ok(Some(Stamped {
        stamp: head.access_stamp,
        account: Account {
            id,
            email: head.email,
            handle: head.handle,
            name: head.name,
            password_hash: head.password_hash,
            active: head.status == "active",
            roles,
            channels: channels.into_iter().map(|m| m.channel_id).collect(),
            guidelines_pending: head.guidelines_pending,
            notices: head.notices,
            manages: manages
                .into_iter()
                .map(|m| Stewardship {
                    channel_id: m.channel_id,
                    until: m.until,
                })
                .collect(),
            follows: follows
                .into_iter()
                .map(|f| Followed {
                    channel_id: f.channel_id,
                    visibility: Visibility::parse(&f.visibility),
                    archived: f.archived_at.is_some(),
                })
                .collect(),
            warning: head.warning,
        },
    }))
}

/// An account and the stamp it was read at (for the signed-in accounts a
/// server keeps).
pub async fn stamped_account(db: &impl ConnectionTrait, id: i64) -> Result<Option<Stamped>, sea_orm::DbErr> {
    account_where(db, Expr::col(user::Column::Id).eq(id)).await
}

async fn account_by(db: &impl ConnectionTrait, filter: SimpleExpr) -> Result<Option<Account>, sea_orm::DbErr> {
    Ok(account_where(db, filter).await?.map(|s| s.account))
}

pub async fn account_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, Expr::col(user::Column::Email).eq(email)).await
}

pub async fn account_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, Expr::col(user::Column::Id).eq(id)).await
}

pub async fn account_by_handle(db: &impl ConnectionTrait, handle: &str) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, Expr::col(user::Column::Handle).eq(handle)).await
}

pub async fn profile_by_handle(db: &impl ConnectionTrait, handle: &str) -> Result<Option<Profile>, sea_orm::DbErr> {
    let Some(model) = user::Entity::find()
        .filter(user::Column::Handle.eq(handle))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let roles = roles_of(db, model.id).await?;
    let post_count = crate::entities::post::Entity::find()
        .filter(crate::entities::post::Column::AuthorId.eq(model.id))
        .filter(crate::entities::post::Column::DeletedAt.is_null())
        .count(db)
        .await?;
    Ok(Some(Profile {
        person: PersonChip::new(model.id, model.name, model.handle),
        email: model.email,
        job_title: model.job_title,
        department: model.department,
        roles,
        joined: When::new(model.created_at),
        post_count,
    }))
}

/// Of the given handles, those that belong to someone: `(id, handle)`.
pub async fn existing_handles(
    db: &impl ConnectionTrait,
    handles: &[Handle],
) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Handle.is_in(handles.iter().map(|h| h.as_str().to_owned())))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.handle))
        .collect())
}

pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: i64,
    name: &PersonName,
    work: &Work,
) -> Result<(), sea_orm::DbErr> {
    user::ActiveModel {
        id: Set(id),
        name: Set(name.as_str().to_owned()),
        job_title: Set(work.job_title.as_str().to_owned()),
        department: Set(work.department.as_str().to_owned()),
        updated_at: Set(now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    user::Entity::find().count(db).await
}

/// These people (for search results), by id.
pub async fn chips_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, PersonChip>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, PersonChip::new(u.id, u.name, u.handle)))
        .collect())
}

/// Active people whose name or handle starts with (or whose name has a word starting with) `prefix`.
pub async fn suggest(db: &impl ConnectionTrait, prefix: &str, limit: u64) -> Result<Vec<PersonChip>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        name: String,
        handle: String,
    }
    let p = prefix
        .trim()
        .trim_start_matches('@')
        .to_lowercase()
        .replace(['%', '_', '\\'], "");
    if p.is_empty() {
        return Ok(Vec::new());
    }
    use sea_orm::sea_query::{Condition, Func, Order};
    let name = || Expr::expr(Func::lower(Expr::col(user::Column::Name)));
    let matching = Query::select()
        .columns([user::Column::Id, user::Column::Name, user::Column::Handle])
        .from(user::Entity)
        .and_where(Expr::col(user::Column::Status).eq("active"))
        .cond_where(
            Condition::any()
                .add(Expr::col(user::Column::Handle).like(format!("{p}%")))
                .add(name().like(format!("{p}%")))
                .add(name().like(format!("% {p}%"))),
        )
        .order_by_expr(name().into(), Order::Asc)
        .order_by(user::Column::Id, Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(Row::find_by_statement(db.get_database_backend().build(&matching))
        .all(db)
        .await?
        .into_iter()
        .map(|r| PersonChip::new(r.id, r.name, r.handle))
        .collect())
}

/// Everyone, by name (for the people directory and admin pages).
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<PersonChip>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|u| PersonChip::new(u.id, u.name, u.handle))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_from_names() {
        assert_eq!(initials("Natalie Hughes"), "NH");
        assert_eq!(initials("Mary Ann de Souza"), "MS");
        assert_eq!(initials("Cher"), "CH");
        assert_eq!(initials("  "), "?");
    }
}

/// A person as the account list shows them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: i64,
    pub email: String,
    pub handle: String,
    pub name: String,
    pub status: String,
    /// The roles beyond member (everyone is a member).
    pub roles: Vec<Role>,
}

/// Everyone with an account, by email address.
pub async fn list_accounts(db: &impl ConnectionTrait) -> Result<Vec<Listed>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    let mut roles: std::collections::HashMap<i64, Vec<Role>> = std::collections::HashMap::new();
    for r in user_role::Entity::find().all(db).await? {
        roles.entry(r.user_id).or_default().extend(Role::parse(&r.role));
    }
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            let held = roles.remove(&u.id).unwrap_or_default();
            listed(u, held)
        })
        .collect())
}

/// One account as the people pages show it.
pub async fn listed_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Listed>, sea_orm::DbErr> {
    let Some(u) = user::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let held = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect();
    Ok(Some(listed(u, held)))
}

/// An account with the roles it holds beyond member, in a stable order.
fn listed(u: user::Model, mut held: Vec<Role>) -> Listed {
    held.retain(|r| *r != Role::Member);
    held.sort_unstable();
    Listed {
        id: u.id,
        email: u.email,
        handle: u.handle,
        name: u.name,
        status: u.status,
        roles: held,
    }
}

/// Set an account's status (`active` or `suspended`); false if it was already so.
pub async fn set_status(db: &impl ConnectionTrait, id: i64, status: &str) -> Result<bool, sea_orm::DbErr> {
    let changed = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Status.ne(status))
        .exec(db)
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Replace an account's roles (member is implied and never stored). A role
/// held before and after keeps the date it was first given, which the
/// registers read as "since".
pub async fn set_roles(db: &impl ConnectionTrait, id: i64, roles: &[Role]) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::OnConflict;
    let keep: Vec<&str> = roles
        .iter()
        .filter(|r| **r != Role::Member)
        .map(|r| r.as_str())
        .collect();
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(id))
        .filter(user_role::Column::Role.is_not_in(keep.clone()))
        .exec(db)
        .await?;
    let at = now();
    for role in keep {
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(id),
            role: Set(role.to_owned()),
            granted_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([user_role::Column::UserId, user_role::Column::Role])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Keep a new password hash.
pub async fn set_password_hash(db: &impl ConnectionTrait, id: i64, hash: &str) -> Result<(), sea_orm::DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
