//! Who is signed in: the axum-login backend over our accounts, and the
//! signed-in person as kept for the length of a request. Checking a password
//! is `service::accounts`'s; this only restores the person a session names.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_login::{AuthUser, AuthnBackend, UserId};
use sea_orm::DatabaseConnection;

use crate::domain::policy::{Actor, Stewardship};
use crate::domain::role::Role;
use crate::domain::time::now;
use crate::error::AppError;
use crate::service::accounts::{self, CheckError};
use crate::store::sessions::{SignedIn, Stamps};
use crate::store::signed_in::SignedInAccounts;
use crate::store::users::{Account, Followed};

pub type AuthSession = axum_login::AuthSession<Backend>;

/// The request's session, as the auth layer (`router.rs`) attached it.
pub async fn auth_session(parts: &mut Parts) -> Result<AuthSession, AppError> {
    AuthSession::from_request_parts(parts, &())
        .await
        .map_err(|(_, why)| AppError::Other(anyhow::anyhow!("the session is unavailable: {why}")))
}

/// The signed-in person, as kept for the length of a request.
#[derive(Clone)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub roles: Vec<Role>,
    /// Private channels this person is a member of (current on every request).
    pub channels: Vec<i64>,
    /// The organisation lets every member post.
    pub open_posting: bool,
    /// The current guidelines await this person's acceptance.
    pub guidelines_pending: bool,
    /// Notifications this person has not read yet.
    pub notices: i64,
    /// Channels this person manages, or covers for as a deputy (current on every request).
    pub manages: Vec<Stewardship>,
    /// A moderator's warning awaits this person's acknowledgement.
    pub warning: bool,
    /// The channels this person follows, with what reading them depends on (current on every request).
    pub follows: Vec<Followed>,
    /// The stamps read with this request's session, when they were.
    pub stamps: Option<Stamps>,
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
            open_posting: self.open_posting,
            guidelines_pending: self.guidelines_pending,
            manages: self.manages.clone(),
            at: now(),
        }
    }
}

impl SessionUser {
    /// The person an account is, in an organisation that does or does not
    /// let every member post.
    pub fn new(a: Account, open_posting: bool) -> Self {
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
            open_posting,
            guidelines_pending: a.guidelines_pending,
            notices: a.notices,
            manages: a.manages,
            warning: a.warning,
            follows: a.follows,
            stamps: None,
            auth_hash,
        }
    }
}

impl AuthUser for SessionUser {
    type Id = SignedIn;

    fn id(&self) -> SignedIn {
        SignedIn::new(self.id)
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

#[derive(Clone)]
pub struct Backend {
    db: DatabaseConnection,
    signed_in: Arc<SignedInAccounts>,
    open_posting: bool,
}

impl Backend {
    pub fn new(db: DatabaseConnection, signed_in: Arc<SignedInAccounts>, open_posting: bool) -> Self {
        Self {
            db,
            signed_in,
            open_posting,
        }
    }
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = CheckError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, CheckError> {
        Ok(accounts::check_password(&self.db, &creds.email, creds.password)
            .await?
            .map(|a| SessionUser::new(a, self.open_posting)))
    }

    /// The account kept by this server while the stamp read with the
    /// session is still its stamp; loaded afresh otherwise.
    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, CheckError> {
        let account = self
            .signed_in
            .account(&self.db, id.id, id.stamps.map(|s| s.account))
            .await?;
        Ok(account.filter(|a| a.active).map(|a| SessionUser {
            stamps: id.stamps,
            ..SessionUser::new(Account::clone(&a), self.open_posting)
        }))
    }
}
