//! The accounts this server has loaded for signed-in sessions, each kept
//! beside the stamp it was read at. Every request reads the account's stamp
//! with its session, in one statement; a kept account with that stamp is
//! current, anything else is loaded again (and kept). The database bumps
//! the stamp in the same transaction as any change to what an account holds
//! (see the `account_stamps` migration), so a role change, a suspension,
//! break-glass or a removal from a group, made on any server, holds on the
//! next request to every server.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbErr};

use super::kept::Kept;
use super::users::{self, Account, Stamped};

/// The most accounts kept (each is a few hundred bytes, and loading one
/// again costs a handful of statements).
const MOST_KEPT: usize = 10_000;

pub struct SignedInAccounts {
    kept: Kept<i64, i64, Arc<Account>>,
}

impl Default for SignedInAccounts {
    fn default() -> Self {
        Self {
            kept: Kept::new(MOST_KEPT),
        }
    }
}

impl SignedInAccounts {
    pub fn new() -> Self {
        Self::default()
    }

    /// The account a session is signed in as: the one kept, while `stamp`
    /// (read with the session) is still its stamp, or else loaded afresh.
    /// `None` when the account is gone.
    pub async fn account(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
        stamp: Option<i64>,
    ) -> Result<Option<Arc<Account>>, DbErr> {
        if let Some(stamp) = stamp
            && let Some(kept) = self.kept(id, stamp)
        {
            return Ok(Some(kept));
        }
        Ok(users::stamped_account(db, id).await?.map(|s| self.keep(s)))
    }

    fn kept(&self, id: i64, stamp: i64) -> Option<Arc<Account>> {
        self.kept.get(&id, |at| *at == stamp)
    }

    /// Keep an account just loaded, unless one loaded at a later stamp is
    /// kept already (two requests loading at once).
    fn keep(&self, loaded: Stamped) -> Arc<Account> {
        let account = Arc::new(loaded.account);
        self.kept
            .keep(account.id, loaded.stamp, Arc::clone(&account), |at| *at > loaded.stamp);
        account
    }

    /// How many accounts are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(id: i64, stamp: i64, name: &str) -> Stamped {
        Stamped {
            stamp,
            account: Account {
                id,
                email: format!("{id}@example.org"),
                handle: format!("p{id}"),
                name: name.into(),
                password_hash: None,
                active: true,
                roles: Vec::new(),
                channels: Vec::new(),
                guidelines_pending: false,
                notices: 0,
                manages: Vec::new(),
                follows: Vec::new(),
                warning: false,
            },
        }
    }

    #[test]
    fn an_account_is_kept_only_for_the_stamp_it_was_read_at() {
        let accounts = SignedInAccounts::new();
        accounts.keep(stamped(1, 5, "Ada"));
        assert_eq!(accounts.kept(1, 5).map(|a| a.name.clone()), Some("Ada".into()));
        assert!(accounts.kept(1, 6).is_none(), "a later stamp means load again");
        assert!(accounts.kept(2, 5).is_none());
    }

    #[test]
    fn an_older_load_never_replaces_a_newer_one() {
        let accounts = SignedInAccounts::new();
        accounts.keep(stamped(1, 7, "Ada Lovelace"));
        accounts.keep(stamped(1, 6, "Ada"));
        assert_eq!(accounts.kept(1, 7).map(|a| a.name.clone()), Some("Ada Lovelace".into()));
        assert!(accounts.kept(1, 6).is_none());
    }

    #[test]
    fn past_the_limit_the_oldest_loaded_go_first() {
        let accounts = SignedInAccounts::new();
        for id in 0..MOST_KEPT as i64 {
            accounts.keep(stamped(id, 1, "Someone"));
        }
        assert_eq!(accounts.len(), MOST_KEPT);
        accounts.keep(stamped(-1, 1, "Newest"));
        assert!(accounts.len() <= MOST_KEPT / 2 + 1, "kept {}", accounts.len());
        assert!(accounts.kept(-1, 1).is_some(), "the newest is kept");
        assert!(accounts.kept(0, 1).is_none(), "the oldest went");
        assert!(accounts.kept(MOST_KEPT as i64 - 1, 1).is_some(), "the recent stay");
    }
}
