//! Email-only digest subscriptions, for partners and councillors who have
//! no account: an administrator offers a channel to them; anyone may ask for
//! the digest of offered channels by address; nothing is sent to it until
//! its owner opens the emailed link and confirms (double opt-in); and a
//! signed link in every message lets them change or end it without signing
//! in. Asking never says whether an address already subscribes or has an
//! account: the page is the same, and the owner learns the rest by email.

use chrono::Duration;
use sea_orm::DbErr;

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::digest::{ConfirmationLink, Recipient};
use crate::domain::email::EmailAddress;
use crate::domain::policy::{self, Actor, Refusal};
use crate::domain::time::now;
use crate::domain::token::Purpose;
use crate::email::messages::{SubscriptionAccount, SubscriptionConfirm, SubscriptionExisting};
use crate::state::AppState;
use crate::store::digest::{self, Requested, Subscription};
use crate::store::{self, audit, channels, users};

/// Requests for one address in a window before the next must wait: enough
/// for a lost email, too few to fill someone's inbox.
const REQUESTS_PER_ADDRESS: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The email could not be sent just now.
    #[error("the email could not be sent: {0:#}")]
    Unsent(anyhow::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The link that confirms subscription `id`, working for `digest.confirm_hours`.
pub fn confirm_link(state: &AppState, id: i64) -> String {
    let link = ConfirmationLink {
        subscriber_id: id,
        expires_at: now() + Duration::hours(state.settings.digest.confirm_hours.max(0)),
    };
    let token = state.signer.sign(Purpose::ConfirmSubscription, &link.to_bytes());
    format!("{}/digest/confirm/{token}", state.public_base())
}

/// The page where subscriber `id` changes or ends their subscription.
pub fn manage_link(state: &AppState, id: i64) -> String {
    let token = state
        .signer
        .sign(Purpose::ManageSubscription, &Recipient::Subscriber(id).to_bytes());
    format!("{}/digest/subscription/{token}", state.public_base())
}

/// Ask for the digest of `channels` (already checked to be offered) at
/// `email`, from `client`. Whatever the address, one email goes to it: a
/// confirmation link for a new or unconfirmed subscription, the manage link
/// for a confirmed one, or, for an account holder, where their own email
/// settings are. Too many requests for one address, or from one client,
/// send nothing more for a while, and say nothing different either.
pub async fn request(
    state: &AppState,
    email: &EmailAddress,
    channels: &[i64],
    client: &str,
) -> Result<(), SubscribeError> {
    if !super::accounts::may_email(state, "subscribe", email, client, REQUESTS_PER_ADDRESS).await? {
        return Ok(());
    }

    let base = state.public_base();
    let message = if users::account_by_email(&state.db, email.as_str()).await?.is_some() {
        SubscriptionAccount {
            settings: format!("{base}/settings/email"),
        }
        .render()
    } else {
        match digest::request_subscription(&state.db, email.as_str(), channels).await? {
            Requested::Unconfirmed(id) => {
                let names = digest::offered_channels(&state.db)
                    .await?
                    .into_iter()
                    .filter(|c| channels.contains(&c.id))
                    .map(|c| c.name)
                    .collect();
                SubscriptionConfirm {
                    link: confirm_link(state, id),
                    hours: state.settings.digest.confirm_hours.max(0),
                    channels: names,
                }
                .render()
            }
            Requested::Confirmed(id) => SubscriptionExisting {
                manage: manage_link(state, id),
            }
            .render(),
        }
    }
    .map_err(|e| SubscribeError::Unsent(anyhow::Error::new(e).context("rendering the subscription email")))?;
    state
        .mailer
        .send(email.as_str(), message)
        .await
        .map_err(SubscribeError::Unsent)
}

/// What a confirmation link leads to.
#[derive(Debug, Clone)]
pub enum Confirmation {
    /// A subscription the link may confirm (or already did).
    Valid(Subscription),
    /// A real link, too old: the person can ask again.
    Expired,
    /// Not a link this instance made, cut short, or its subscription is gone.
    Invalid,
}

/// What `token` confirms, without confirming it (a link opened, perhaps
/// by a mail scanner: only the page's button confirms).
pub async fn confirmation(state: &AppState, token: &str) -> Result<Confirmation, DbErr> {
    let Some(link) = state
        .signer
        .verify(Purpose::ConfirmSubscription, token)
        .and_then(|bytes| ConfirmationLink::from_bytes(&bytes))
    else {
        return Ok(Confirmation::Invalid);
    };
    if link.expired(now()) {
        return Ok(Confirmation::Expired);
    }
    Ok(match digest::subscription(&state.db, link.subscriber_id).await? {
        Some(subscription) => Confirmation::Valid(subscription),
        None => Confirmation::Invalid,
    })
}

/// The button on the confirmation page: the subscription is confirmed, and
/// from the next digest on it is sent.
pub async fn confirm(state: &AppState, token: &str) -> Result<Confirmation, DbErr> {
    let subscription = match confirmation(state, token).await? {
        Confirmation::Valid(subscription) => subscription,
        other => return Ok(other),
    };
    Ok(match digest::confirm_subscription(&state.db, subscription.id).await? {
        Some(confirmed) => {
            tracing::info!(subscriber.id = confirmed.id, "digest subscription confirmed");
            Confirmation::Valid(confirmed)
        }
        None => Confirmation::Invalid,
    })
}

/// The confirmed subscription a manage link belongs to; `None` for a link
/// this instance did not sign, or a subscription that is gone.
pub async fn managed(state: &AppState, token: &str) -> Result<Option<Subscription>, DbErr> {
    let Some(Recipient::Subscriber(id)) = state
        .signer
        .verify(Purpose::ManageSubscription, token)
        .and_then(|bytes| Recipient::from_bytes(&bytes))
    else {
        return Ok(None);
    };
    Ok(digest::subscription(&state.db, id).await?.filter(|s| s.confirmed))
}

/// End a subscription: it and its picked channels are deleted.
pub async fn end(state: &AppState, subscription: &Subscription) -> Result<bool, DbErr> {
    let removed = digest::remove_subscription(&state.db, subscription.id).await?;
    if removed {
        tracing::info!(
            subscriber.id = subscription.id,
            "digest subscription ended by its owner"
        );
    }
    Ok(removed)
}

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
