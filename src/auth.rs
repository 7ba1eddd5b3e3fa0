//! Signing in: the axum-login backend over our accounts, and password hashing
//! (argon2id via password-auth), always off the async runtime.

use std::sync::LazyLock;

use axum_login::{AuthUser, AuthnBackend, UserId};
use sea_orm::DatabaseConnection;

use crate::domain::email::EmailAddress;
use crate::domain::policy::Actor;
use crate::domain::role::Role;
use crate::store::users::{self, Account};

pub type AuthSession = axum_login::AuthSession<Backend>;

/// The signed-in person, as kept for the length of a request.
#[derive(Clone)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub roles: Vec<Role>,
    /// Private channels this person is a member of (read fresh on every request).
    pub channels: Vec<i64>,
    /// Changes when the password changes, which ends every other session.
    auth_hash: Vec<u8>,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.id)
            .field("handle", &self.handle)
            .finish()
    }
}

impl SessionUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            roles: self.roles.clone(),
            channels: self.channels.clone(),
        }
    }
}

impl From<Account> for SessionUser {
    fn from(a: Account) -> Self {
        let auth_hash = a
            .password_hash
            .unwrap_or_else(|| format!("no-password:{}", a.id))
            .into_bytes();
        Self {
            id: a.id,
            name: a.name,
            handle: a.handle,
            roles: a.roles,
            channels: a.channels,
            auth_hash,
        }
    }
}

impl AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
    }
}

#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("password check did not finish: {0}")]
    Join(#[from] tokio::task::JoinError),
}

#[derive(Clone)]
pub struct Backend {
    db: DatabaseConnection,
}

impl Backend {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Checked when no account matches, so a wrong email costs as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| password_auth::generate_hash("not a real password"));

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = AuthError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, AuthError> {
        let account = match EmailAddress::parse(&creds.email) {
            Ok(email) => users::account_by_email(&self.db, email.as_str()).await?,
            Err(_) => None,
        };
        let hash = account
            .as_ref()
            .and_then(|a| a.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.clone());
        let password = creds.password;
        let ok = tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok()).await?;
        Ok(account
            .filter(|a| ok && a.active && a.password_hash.is_some())
            .map(SessionUser::from))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, AuthError> {
        Ok(users::account_by_id(&self.db, *id)
            .await?
            .filter(|a| a.active)
            .map(SessionUser::from))
    }
}

/// Hash a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await?)
}
