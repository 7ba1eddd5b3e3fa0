//! Server-side sessions in the database, so they survive restarts, work across
//! several app servers, and can be revoked (sign out everywhere).

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::is_unique_violation;
use super::users::{self, Account};
use crate::domain::time::now;
use crate::entities::session;

/// The key axum-login keeps the signed-in user under.
const AUTH_KEY: &str = "axum-login.data";

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn to_chrono(at: OffsetDateTime) -> DateTime<Utc> {
    let micros = at.unix_timestamp_nanos() / 1_000;
    DateTime::from_timestamp_micros(i64::try_from(micros).unwrap_or(i64::MAX)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn to_offset(at: DateTime<Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.timestamp_micros()) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whom a session is signed in as, as the sign-in layer keeps it: the
/// account's id, which is all that is stored; and, once the session has been
/// loaded, the account itself, read in the same statement as the session, so
/// restoring the signed-in person costs no second round trip.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: i64,
    /// The account as loaded with the session, for this request only.
    pub account: Option<Box<Account>>,
}

impl SignedIn {
    pub fn new(id: i64) -> Self {
        Self { id, account: None }
    }
}

impl fmt::Display for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)
    }
}

/// Only the id is ever written.
impl serde::Serialize for SignedIn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.id)
    }
}

/// The id as stored, or the id with the account `load` put beside it.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum SignedInForm {
    Stored(i64),
    Loaded { id: i64, account: Box<Account> },
}

impl<'de> serde::Deserialize<'de> for SignedIn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match SignedInForm::deserialize(deserializer)? {
            SignedInForm::Stored(id) => Self::new(id),
            SignedInForm::Loaded { id, account } => Self {
                id,
                account: Some(account),
            },
        })
    }
}

/// The signed-in id a session's data holds, in either form.
fn signed_in_id(data: &HashMap<String, serde_json::Value>) -> Option<i64> {
    let user = data.get(AUTH_KEY)?.get("user_id")?;
    user.as_i64().or_else(|| user.get("id")?.as_i64())
}

/// Put the account loaded with the session beside the id the session keeps.
fn attach(data: &mut HashMap<String, serde_json::Value>, account: Account) {
    if signed_in_id(data) != Some(account.id) {
        return;
    }
    let loaded = SignedInForm::Loaded {
        id: account.id,
        account: Box::new(account),
    };
    if let (Some(user), Ok(loaded)) = (
        data.get_mut(AUTH_KEY).and_then(|d| d.get_mut("user_id")),
        serde_json::to_value(loaded),
    ) {
        *user = loaded;
    }
}

/// The session's data as stored: the signed-in id alone, never an account
/// loaded beside it.
fn stored(record: &Record) -> HashMap<String, serde_json::Value> {
    let mut data = record.data.clone();
    if let Some(id) = signed_in_id(&data)
        && let Some(user) = data.get_mut(AUTH_KEY).and_then(|d| d.get_mut("user_id"))
    {
        *user = id.into();
    }
    data
}

/// The signed-in user a session belongs to, if any (kept in a column for revocation).
fn user_of(record: &Record) -> Option<i64> {
    signed_in_id(&record.data)
}

fn active_model(record: &Record) -> Result<session::ActiveModel, session_store::Error> {
    let data = serde_json::to_string(&stored(record)).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(user_of(record)),
        data: Set(data),
        expires_at: Set(to_chrono(record.expiry_date)),
        created_at: Set(now()),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            match session::Entity::insert(active_model(record)?).exec(&self.db).await {
                Ok(_) => return Ok(()),
                Err(e) if is_unique_violation(&e) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(active_model(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::UserId,
                        session::Column::Data,
                        session::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The session and, in the same statement, the account it is signed in as.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let found = users::by_session(&self.db, &id.to_string(), now())
            .await
            .map_err(backend)?;
        let Some(found) = found else { return Ok(None) };
        let mut data = serde_json::from_str(&found.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        if let Some(account) = found.account {
            attach(&mut data, account);
        }
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_offset(found.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Remove sessions past their expiry. Run periodically.
pub async fn delete_expired(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sign a person out everywhere, except (optionally) the session they are using.
pub async fn revoke_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        query = query.filter(session::Column::Id.ne(keep));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// How many live sessions a person has (shown on their profile).
pub async fn count_for_user(db: &DatabaseConnection, user_id: i64) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(now()))
        .count(db)
        .await
}
