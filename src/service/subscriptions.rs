//! Email-only digest subscriptions, for partners and councillors who have
//! no account. An administrator chooses which open channels are offered to
//! them; nothing else ever reaches them.

use sea_orm::DbErr;

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::policy::{self, Actor, Refusal};
use crate::state::AppState;
use crate::store::{self, audit, channels};

#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    #[error("not allowed: {0:?}")]
    Refused(Refusal),
    /// Only an open channel can be offered.
    #[error("only an open channel can be offered to email subscribers")]
    NotOpen,
    #[error("no such channel")]
    NoChannel,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Offer a channel to email-only subscribers, or stop, as `actor`; the
/// change and its audit row in one transaction. Withdrawing is always
/// allowed; offering only an open channel, checked inside the transaction
/// so a channel made private meanwhile is never offered.
pub async fn offer_channel(state: &AppState, actor: &Actor, channel_id: i64, open: bool) -> Result<(), OfferError> {
    if !policy::can_offer_to_subscribers(actor) {
        return Err(OfferError::Refused(Refusal::AdminsOnly));
    }
    let txn = store::begin_write(&state.db).await?;
    let channel = channels::by_id(&txn, channel_id).await?.ok_or(OfferError::NoChannel)?;
    if open && !policy::may_be_offered(&channel.facts(actor)) {
        return Err(OfferError::NotOpen);
    }
    if channel.digest_open != open {
        channels::set_digest_open(&txn, channel.id, open).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            AuditAction::ChannelDigestOpen,
            &AuditTarget::Channel(channel.id),
            if open { "yes" } else { "no" },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
