//! People: accounts, roles and profiles.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, Value,
};

use super::{audit, is_unique_violation, sql};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::email::EmailAddress;
use crate::domain::handle::Handle;
use crate::domain::person::{PersonName, Work};
use crate::domain::policy::{Stewardship, Visibility};
use crate::domain::role::Role;
use crate::domain::time::{When, now};
use crate::entities::{user, user_role};
use chrono::{DateTime, Utc};

/// Everything sign-in and the policy need about a person.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The account's row, then one per role, channel membership, channel it
/// manages and channel it follows. When the account is found by its session,
/// the account's row also carries the session's own data.
#[derive(FromQueryResult)]
struct AccountRow {
    session_data: Option<String>,
    session_expires: Option<DateTime<Utc>>,
    id: Option<i64>,
    email: Option<String>,
    handle: Option<String>,
    name: Option<String>,
    password_hash: Option<String>,
    status: Option<String>,
    /// Whether a version of the guidelines exists that this person has not accepted.
    guidelines_pending: bool,
    /// Notifications not yet read.
    notices: i64,
    /// A warning not yet acknowledged.
    warning: bool,
    /// `account`, `role`, `channel`, `manages` or `follows`, and its value.
    grant_kind: String,
    grant_value: Option<String>,
    /// For `follows`: the channel's visibility.
    grant_note: Option<String>,
    /// For `manages`: when a deputy's cover ends; for `follows`: when the channel was archived.
    grant_at: Option<DateTime<Utc>>,
}

/// How the account is found: by one of its unique columns, or as the
/// person a live session is signed in as.
enum Whose<'a> {
    Column(&'static str, Value),
    Session(&'a str, DateTime<Utc>),
}

impl Whose<'_> {
    /// The `FROM … WHERE` that puts the account in `u` (and the session in `s`).
    fn from(&self) -> String {
        match self {
            Whose::Column(column, _) => format!("FROM users u WHERE u.{column} = ?"),
            Whose::Session(..) => {
                "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?".into()
            }
        }
    }

    fn values(&self) -> Vec<Value> {
        match self {
            Whose::Column(_, value) => vec![value.clone()],
            Whose::Session(id, at) => vec![(*id).into(), (*at).into()],
        }
    }
}

/// A live session's stored data, and the account it is signed in as (with
/// everything `Account` holds), read in one statement.
pub struct SessionAccount {
    pub data: String,
    pub expires_at: DateTime<Utc>,
    pub account: Option<Account>,
}

/// An account with its roles, private-channel memberships, the channels it
/// manages and the channels it follows, in one statement (this runs on every
/// request, so a removed member or manager loses access at once).
async fn account_where(db: &impl ConnectionTrait, whose: Whose<'_>) -> Result<Vec<AccountRow>, sea_orm::DbErr> {
    // The latest guidelines, unaccepted by this person: `NOT EXISTS` is
    // false when there are none.
    let pending = "EXISTS (SELECT 1 FROM guidelines g WHERE g.version = (SELECT MAX(version) FROM guidelines) \
                   AND NOT EXISTS (SELECT 1 FROM guideline_acceptances a WHERE a.user_id = u.id AND a.version = g.version))";
    let notices = super::notifications::unread_count_sql();
    let warning = super::notifications::WARNING_PENDING_SQL;
    let from = whose.from();
    // The account's row, found by the session, keeps the session even when
    // nobody is signed in with it (a message left for the sign-in page).
    let (head_session, head_from) = match whose {
        Whose::Column(..) => (
            "NULL AS session_data, CAST(NULL AS TIMESTAMPTZ) AS session_expires",
            from.clone(),
        ),
        Whose::Session(..) => (
            "s.data AS session_data, s.expires_at AS session_expires",
            "FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?".into(),
        ),
    };
    // One row for the account itself, which alone works out the per-person
    // figures (each subquery once, not once per grant), then one row per
    // grant. The `CAST(NULL AS TIMESTAMPTZ)`s type the union's columns on
    // PostgreSQL, which types a union left to right.
    let grant = "NULL, CAST(NULL AS TIMESTAMPTZ), NULL, NULL, NULL, NULL, NULL, NULL, FALSE, 0, FALSE";
    let text = format!(
        "SELECT {head_session}, u.id, u.email, u.handle, u.name, u.password_hash, u.status, \
         {pending} AS guidelines_pending, {notices} AS notices, {warning} AS warning, \
         'account' AS grant_kind, NULL AS grant_value, NULL AS grant_note, CAST(NULL AS TIMESTAMPTZ) AS grant_at \
         {head_from} \
         UNION ALL SELECT {grant}, 'manages', CAST(x.channel_id AS TEXT), NULL, x.until \
         {from_manages} \
         UNION ALL SELECT {grant}, 'role', x.role, NULL, NULL {from_roles} \
         UNION ALL SELECT {grant}, 'channel', CAST(x.channel_id AS TEXT), NULL, NULL {from_members} \
         UNION ALL SELECT {grant}, 'follows', CAST(x.channel_id AS TEXT), c.visibility, c.archived_at \
         {from_follows}",
        from_manages = joined(&from, "channel_managers x ON x.user_id = u.id"),
        from_roles = joined(&from, "user_roles x ON x.user_id = u.id"),
        from_members = joined(&from, "channel_members x ON x.user_id = u.id"),
        from_follows = joined(
            &from,
            "channel_follows x ON x.user_id = u.id JOIN channels c ON c.id = x.channel_id"
        ),
    );
    let mut values = Vec::new();
    for _ in 0..5 {
        values.extend(whose.values());
    }
    AccountRow::find_by_statement(sql(db, &text, values)).all(db).await
}

/// `FROM users u … WHERE …` with one more table joined before the `WHERE`.
fn joined(from: &str, join: &str) -> String {
    match from.split_once(" WHERE ") {
        Some((tables, condition)) => format!("{tables} JOIN {join} WHERE {condition}"),
        None => format!("{from} JOIN {join}"),
    }
}

/// The account the rows describe, if the first of them found one.
fn account_of(rows: &[AccountRow]) -> Option<Account> {
    let head = rows.iter().find(|r| r.grant_kind == "account")?;
    let granted = |kind: &'static str| {
        rows.iter()
            .filter(move |r| r.grant_kind == kind)
            .filter_map(|r| r.grant_value.as_deref())
    };
    let roles = granted("role").filter_map(Role::parse).collect();
    let channels = granted("channel").filter_map(|v| v.parse().ok()).collect();
    let manages = rows
        .iter()
        .filter(|r| r.grant_kind == "manages")
        .filter_map(|r| {
            Some(Stewardship {
                channel_id: r.grant_value.as_deref()?.parse().ok()?,
                until: r.grant_at,
            })
        })
        .collect();
    let follows = rows
        .iter()
        .filter(|r| r.grant_kind == "follows")
        .filter_map(|r| {
            Some(Followed {
                channel_id: r.grant_value.as_deref()?.parse().ok()?,
                visibility: Visibility::parse(r.grant_note.as_deref()?),
                archived: r.grant_at.is_some(),
            })
        })
        .collect();
    Some(Account {
        id: head.id?,
        email: head.email.clone()?,
        handle: head.handle.clone()?,
        name: head.name.clone()?,
        password_hash: head.password_hash.clone(),
        active: head.status.as_deref() == Some("active"),
        roles,
        channels,
        guidelines_pending: head.guidelines_pending,
        notices: head.notices,
        manages,
        follows,
        warning: head.warning,
    })
}

/// A live session (not expired at `at`) and whom it is signed in as, in one statement.
pub async fn by_session(
    db: &impl ConnectionTrait,
    session_id: &str,
    at: DateTime<Utc>,
) -> Result<Option<SessionAccount>, sea_orm::DbErr> {
    let rows = account_where(db, Whose::Session(session_id, at)).await?;
    let account = account_of(&rows);
    let Some(head) = rows.into_iter().find(|r| r.grant_kind == "account") else {
        return Ok(None);
    };
    let (Some(data), Some(expires_at)) = (head.session_data, head.session_expires) else {
        return Ok(None);
    };
    Ok(Some(SessionAccount {
        data,
        expires_at,
        account,
    }))
}

async fn account_by(
    db: &impl ConnectionTrait,
    column: &'static str,
    value: Value,
) -> Result<Option<Account>, sea_orm::DbErr> {
    Ok(account_of(&account_where(db, Whose::Column(column, value)).await?))
}

pub async fn account_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, "email", email.into()).await
}

pub async fn account_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, "id", id.into()).await
}

pub async fn account_by_handle(db: &impl ConnectionTrait, handle: &str) -> Result<Option<Account>, sea_orm::DbErr> {
    account_by(db, "handle", handle.into()).await
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
    Ok(Row::find_by_statement(sql(
        db,
        "SELECT id, name, handle FROM users WHERE status = 'active' \
         AND (handle LIKE ? OR LOWER(name) LIKE ? OR LOWER(name) LIKE ?) ORDER BY LOWER(name), id LIMIT ?",
        vec![
            format!("{p}%").into(),
            format!("{p}%").into(),
            format!("% {p}%").into(),
            (limit as i64).into(),
        ],
    ))
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
    let changed = db
        .execute(sql(
            db,
            "UPDATE users SET status = ?, updated_at = ? WHERE id = ? AND status <> ?",
            vec![status.into(), now().into(), id.into(), status.into()],
        ))
        .await?;
    Ok(changed.rows_affected() == 1)
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
    db.execute(sql(
        db,
        "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
        vec![hash.into(), now().into(), id.into()],
    ))
    .await?;
    Ok(())
}
