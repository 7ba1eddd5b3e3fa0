//! Notification email, sent "now": each person with notifications waiting
//! gets one email carrying all of them, at most one per quarter of an hour,
//! under what they may read when it goes. The rows are marked emailed as
//! the message is handed to the mail server, so a sender killed mid-send
//! never sends them twice. And the email's one-click unsubscribe, signed
//! per recipient like the digest's.

use chrono::{DateTime, Duration, Utc};

use crate::domain::time::now;
use crate::domain::token::Purpose;
use crate::email::mailer::{Courier, DeliveryError, Outgoing};
use crate::email::messages::{NotificationEmail, NotificationLine};
use crate::state::AppState;
use crate::store::notifications::{self, EmailBatch};
use crate::store::{self, users};

/// How soon a person whose email could not go (the mail server was away
/// or said "later") is tried again.
const RETRY_MINUTES: i64 = 5;
/// How often the sender looks even when nothing is due: a notification made
/// while it ran may have had its wake-up overwritten.
const LOOK_AGAIN_MINUTES: i64 = 15;

/// What became of one person's waiting notifications.
enum Sent {
    /// An email went (or may have: it is not sent again).
    Email,
    /// Nothing to send: read, unreadable or unwanted now.
    Nothing,
    /// The mail server could not take it now: try again later.
    Later,
}

/// Send every email that is due; returns when to look again.
pub async fn send_due(state: &AppState) -> anyhow::Result<DateTime<Utc>> {
    let at = now();
    let mut next = at + Duration::minutes(LOOK_AGAIN_MINUTES);
    let mut courier = state.mailer.courier();
    for waiting in notifications::waiting(&state.db).await? {
        if waiting.email_at > at {
            next = next.min(waiting.email_at);
            continue;
        }
        match send_to(state, &mut courier, waiting.user_id).await? {
            Sent::Email | Sent::Nothing => {}
            Sent::Later => next = next.min(at + Duration::minutes(RETRY_MINUTES)),
        }
    }
    courier.close().await;
    Ok(next)
}

/// One person's email, with everything of theirs waiting.
async fn send_to(state: &AppState, courier: &mut Courier<'_>, user_id: i64) -> anyhow::Result<Sent> {
    let Some(batch) = notifications::email_batch(&state.db, user_id).await? else {
        return Ok(Sent::Nothing);
    };
    if !batch.reachable {
        let all: Vec<i64> = batch
            .drop
            .iter()
            .copied()
            .chain(batch.send.iter().map(|n| n.id))
            .collect();
        notifications::not_emailing(&state.db, user_id, &all).await?;
        return Ok(Sent::Nothing);
    }
    notifications::not_emailing(&state.db, user_id, &batch.drop).await?;
    if batch.send.is_empty() {
        return Ok(Sent::Nothing);
    }
    let ids: Vec<i64> = batch.send.iter().map(|n| n.id).collect();
    let message = match state.mailer.build(&outgoing(state, &batch)?) {
        Ok(message) => message,
        Err(err) => {
            tracing::warn!(user_id, error = %err, "a notification email could not be built; dropped");
            notifications::not_emailing(&state.db, user_id, &ids).await?;
            return Ok(Sent::Nothing);
        }
    };
    let db = state.db.clone();
    let marking = ids.clone();
    let handing_over = async move {
        let txn = store::begin_write(&db).await?;
        let ours = notifications::handing_over(&txn, user_id, &marking).await?;
        if ours {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        Ok(ours)
    };
    match courier.deliver(&message, handing_over).await {
        Ok(()) => Ok(Sent::Email),
        // It may have arrived: marked emailed already, never sent again.
        Err(DeliveryError::Uncertain(why)) => {
            tracing::warn!(user_id, error = %why, "a notification email may not have arrived");
            Ok(Sent::Email)
        }
        Err(DeliveryError::Abandoned) => Ok(Sent::Nothing),
        Err(DeliveryError::Refused {
            permanent: true,
            message,
            ..
        })
        | Err(DeliveryError::Invalid(message)) => {
            tracing::warn!(user_id, error = %message, "the mail server refused a notification email");
            notifications::not_emailing(&state.db, user_id, &ids).await?;
            Ok(Sent::Nothing)
        }
        Err(DeliveryError::Refused { message, .. }) | Err(DeliveryError::Unreachable(message)) => {
            tracing::warn!(user_id, error = %message, "a notification email could not go; will retry");
            Ok(Sent::Later)
        }
        Err(DeliveryError::Check(err)) => Err(err),
    }
}

/// The email for one person's batch, with the list headers one-click
/// unsubscribe needs (RFC 8058).
fn outgoing(state: &AppState, batch: &EmailBatch) -> anyhow::Result<Outgoing> {
    let base = state.settings.public_base();
    let host = state.settings.public_host();
    let unsubscribe = format!("{base}{}", unsubscribe_path(state, batch.reader.user_id));
    let first = batch.send.first().map(|n| n.id).unwrap_or_default();
    let rendered = NotificationEmail {
        name: batch.name.clone(),
        items: batch
            .send
            .iter()
            .map(|n| NotificationLine {
                what: n.summary(),
                excerpt: n.body.clone(),
                link: format!("{base}{}", n.link.as_deref().unwrap_or("/notifications")),
            })
            .collect(),
        list: format!("{base}/notifications"),
        settings: format!("{base}/settings/notifications"),
        unsubscribe: unsubscribe.clone(),
    }
    .render()?;
    Ok(Outgoing {
        to: batch.email.clone(),
        message_id: format!("<notifications.u{}.n{first}@{host}>", batch.reader.user_id),
        headers: vec![
            ("List-Id", format!("Commonroom notifications <notifications.{host}>")),
            ("List-Unsubscribe", format!("<{unsubscribe}>")),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()),
            ("Auto-Submitted", "auto-generated".to_owned()),
        ],
        rendered,
    })
}

/// The one-click unsubscribe path for one person's notification email.
pub fn unsubscribe_path(state: &AppState, user_id: i64) -> String {
    let token = state
        .signer
        .sign(Purpose::UnsubscribeNotifications, &user_id.to_be_bytes());
    format!("/unsubscribe/notifications/{token}")
}

/// Whose unsubscribe link `token` is (id and address); `None` for a token
/// this instance did not sign, or an account that is gone.
pub async fn unsubscriber(state: &AppState, token: &str) -> Result<Option<(i64, String)>, sea_orm::DbErr> {
    let Some(user_id) = state
        .signer
        .verify(Purpose::UnsubscribeNotifications, token)
        .and_then(|bytes| Some(i64::from_be_bytes(bytes.try_into().ok()?)))
    else {
        return Ok(None);
    };
    Ok(users::account_by_id(&state.db, user_id).await?.map(|a| (a.id, a.email)))
}

/// One-click unsubscribe: no more notification email for the holder of
/// `token` (their notifications still show in Commonroom). `None` if the
/// token is not valid.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<Option<(i64, String)>, sea_orm::DbErr> {
    let Some((user_id, email)) = unsubscriber(state, token).await? else {
        return Ok(None);
    };
    notifications::stop_email(&state.db, user_id).await?;
    tracing::info!(user_id, "notification email stopped by its link");
    Ok(Some((user_id, email)))
}
