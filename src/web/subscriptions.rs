//! The weekly digest for people without an account (partners,
//! councillors): asking for it, confirming it from the emailed link, and
//! their own page for changing or ending it, reached by a signed link in
//! every digest. None of these needs signing in. Opening a link never
//! changes anything (mail scanners open every link); a button does.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Confirmed, MaybeViewer, client_ip, flash};
use super::see_other;
use crate::domain::digest::Frequency;
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::error::AppResult;
use crate::service::subscriptions::{self, Confirmation, SubscribeError};
use crate::state::AppState;
use crate::store::digest::{self, OfferedChannel, Subscription};
use crate::views::settings::DigestChannel;
use crate::views::subscriptions::{
    ConfirmSubscriptionPage, ManageSubscriptionPage, OfferedChoice, SubscribePage, SubscriptionNotice,
};
use crate::views::{ConfirmPage, PageCtx};

const SUBSCRIBE: &str = "/digest/subscribe";

fn notice(ctx: PageCtx, title: &str, message: String, next: &str, next_label: &str) -> SubscriptionNotice {
    SubscriptionNotice {
        ctx,
        title: title.to_owned(),
        message,
        next: next.to_owned(),
        next_label: next_label.to_owned(),
    }
}

/// Channel ids ticked on a form, kept only if offered now (an old page or
/// a made-up id is left out), in order and once each.
fn ticked(raw: &[String], offered: &[OfferedChannel]) -> Vec<i64> {
    let mut ids: Vec<i64> = raw
        .iter()
        .filter_map(|r| r.trim().parse().ok())
        .filter(|id| offered.iter().any(|c| c.id == *id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn subscribe_page(
    ctx: PageCtx,
    offered: Vec<OfferedChannel>,
    email: String,
    picked: &[i64],
    errors: FormErrors,
) -> SubscribePage {
    SubscribePage {
        ctx,
        email,
        channels: offered
            .into_iter()
            .map(|c| OfferedChoice {
                picked: picked.contains(&c.id),
                id: c.id,
                slug: c.slug,
                name: c.name,
                description: c.description,
            })
            .collect(),
        errors,
    }
}

pub async fn show_subscribe(State(state): State<AppState>, viewer: MaybeViewer) -> AppResult<SubscribePage> {
    let offered = digest::offered_channels(&state.db).await?;
    Ok(subscribe_page(
        viewer.ctx,
        offered,
        String::new(),
        &[],
        FormErrors::new(),
    ))
}

#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    email: String,
    /// Channel ids, as ticked.
    #[serde(default)]
    channel: Vec<String>,
}

/// Ask for the digest. The page says the same whether the address is new,
/// waiting for its confirmation, already subscribed or an account holder's
/// (each is told what fits by email), so it tells nobody who subscribes.
pub async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    viewer: MaybeViewer,
    Form(form): Form<SubscribeForm>,
) -> AppResult<Response> {
    let offered = digest::offered_channels(&state.db).await?;
    let picked = ticked(&form.channel, &offered);
    let mut errors = FormErrors::new();
    let email = EmailAddress::parse(&form.email)
        .map_err(|message| errors.add("email", message))
        .ok();
    if picked.is_empty() {
        errors.add("channels", "Tick at least one channel.");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let page = subscribe_page(viewer.ctx, offered, form.email, &picked, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let client = client_ip(&state, &headers, peer);
    match subscriptions::request(&state, &email, &picked, &client).await {
        Ok(()) => Ok(notice(
            viewer.ctx,
            "Check your inbox",
            format!(
                "We are sending an email to {email} saying what to do next. Nothing else is sent to that address \
                 until the link in it is used, and a confirmation link works for {} hours. No email after a few \
                 minutes? Look in your junk or spam folder before asking again.",
                state.settings.digest.confirm_hours.max(0)
            ),
            SUBSCRIBE,
            "Back to the weekly digest",
        )
        .into_response()),
        Err(SubscribeError::Unsent(err)) => {
            tracing::error!(error = ?err, "could not send a subscription email");
            let errors = FormErrors::with(
                "email",
                "We could not send the email just now. Please try again in a few minutes.",
            );
            let page = subscribe_page(viewer.ctx, offered, form.email, &picked, errors);
            Ok((StatusCode::SERVICE_UNAVAILABLE, page).into_response())
        }
        Err(SubscribeError::Db(err)) => Err(err.into()),
    }
}

/// A confirmation link that is too old, or not one at all.
fn link_refused(ctx: PageCtx, confirmation: &Confirmation) -> Response {
    let (status, title, message) = match confirmation {
        Confirmation::Expired => (
            StatusCode::GONE,
            "This confirmation link has expired",
            "Nothing will be sent to your address. To get the weekly digest, ask for it again: a new link will \
             come by email.",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "This confirmation link does not work",
            "It may have been cut short by your email program, or the subscription was withdrawn. Use the whole \
             link from the email, or ask for the digest again.",
        ),
    };
    (
        status,
        notice(
            ctx,
            title,
            message.to_owned(),
            SUBSCRIBE,
            "Ask for the weekly digest again",
        ),
    )
        .into_response()
}

/// The link opened: say what confirming does. Only the button confirms.
pub async fn show_confirm(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let subscription = match subscriptions::confirmation(&state, &token).await? {
        Confirmation::Valid(subscription) => subscription,
        refused => return Ok(link_refused(viewer.ctx, &refused)),
    };
    let offered = digest::offered_channels(&state.db).await?;
    Ok(ConfirmSubscriptionPage {
        ctx: viewer.ctx,
        action: format!("/digest/confirm/{token}"),
        email: subscription.email,
        channels: offered
            .into_iter()
            .filter(|c| subscription.prefs.channels.contains(&c.id))
            .map(|c| c.name)
            .collect(),
    }
    .into_response())
}

/// The button: the subscription is confirmed.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let subscription = match subscriptions::confirm(&state, &token).await? {
        Confirmation::Valid(subscription) => subscription,
        refused => return Ok(link_refused(viewer.ctx, &refused)),
    };
    let manage = subscriptions::manage_link(&state, subscription.id);
    Ok(notice(
        viewer.ctx,
        "Your weekly digest is confirmed",
        format!(
            "Commonroom will send its weekly digest to {} from the next one on. Every digest ends with a link to \
             change what it covers or to unsubscribe.",
            subscription.email
        ),
        local(&state, &manage),
        "Choose what your digest covers",
    )
    .into_response())
}

/// A link of ours as a path on this site (pages link within it).
fn local<'a>(state: &AppState, link: &'a str) -> &'a str {
    link.strip_prefix(&state.public_base()).unwrap_or(link)
}

fn manage_refused(ctx: PageCtx) -> Response {
    (
        StatusCode::NOT_FOUND,
        notice(
            ctx,
            "This link does not work",
            "It may have been cut short by your email program, or the subscription has ended. Use the whole link \
             from your latest digest, or ask for the digest again."
                .to_owned(),
            SUBSCRIBE,
            "Ask for the weekly digest",
        ),
    )
        .into_response()
}

/// The subscriber's page, showing `weekly` and `picked` (as saved, or as
/// just sent with `errors`); channels no longer offered are not shown.
async fn manage_page(
    state: &AppState,
    ctx: PageCtx,
    token: &str,
    subscription: &Subscription,
    weekly: bool,
    picked: &[i64],
    errors: FormErrors,
) -> AppResult<ManageSubscriptionPage> {
    let channels = digest::offered_channels(&state.db)
        .await?
        .into_iter()
        .map(|c| DigestChannel {
            picked: picked.contains(&c.id),
            id: c.id,
            name: c.name,
            slug: c.slug,
            following: false,
        })
        .collect();
    Ok(ManageSubscriptionPage {
        ctx,
        action: format!("/digest/subscription/{token}"),
        email: subscription.email.clone(),
        weekly,
        picked: true,
        channels,
        errors,
        account: false,
    })
}

pub async fn show_manage(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let Some(subscription) = subscriptions::managed(&state, &token).await? else {
        return Ok(manage_refused(viewer.ctx));
    };
    let weekly = subscription.prefs.frequency == Frequency::Weekly;
    let page = manage_page(
        &state,
        viewer.ctx,
        &token,
        &subscription,
        weekly,
        &subscription.prefs.channels,
        FormErrors::new(),
    )
    .await?;
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct ManageForm {
    #[serde(default)]
    frequency: String,
    /// Channel ids, as ticked.
    #[serde(default)]
    channel: Vec<String>,
}

pub async fn save_manage(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
    Form(form): Form<ManageForm>,
) -> AppResult<Response> {
    let Some(subscription) = subscriptions::managed(&state, &token).await? else {
        return Ok(manage_refused(viewer.ctx));
    };
    let offered = digest::offered_channels(&state.db).await?;
    let picked = ticked(&form.channel, &offered);
    let frequency = Frequency::parse(&form.frequency).unwrap_or_default();
    if frequency == Frequency::Weekly && picked.is_empty() {
        let errors = FormErrors::with(
            "channels",
            "Tick at least one channel, or choose Never, or unsubscribe below.",
        );
        let page = manage_page(&state, viewer.ctx, &token, &subscription, true, &picked, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    digest::save_subscription(&state.db, subscription.id, frequency, &picked).await?;
    let message = match frequency {
        Frequency::Weekly => "Saved. Your weekly digest will follow these settings.",
        Frequency::Never => "Saved. Nothing will be sent until you choose Every week again.",
    };
    flash(&viewer.auth.session, message).await;
    Ok(see_other(&format!("/digest/subscription/{token}")))
}

/// Unsubscribe from the subscriber's page, once they have confirmed; until
/// then (and when the address is opened) ask.
pub async fn unsubscribe(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(token): Path<String>,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let Some(subscription) = subscriptions::managed(&state, &token).await? else {
        return Ok(manage_refused(viewer.ctx));
    };
    if !confirmed {
        return Ok(ConfirmPage {
            ctx: viewer.ctx,
            title: format!("Unsubscribe {}?", subscription.email),
            detail: "Commonroom will send nothing more to this address and will delete your subscription. You can \
                     ask for the digest again later."
                .to_owned(),
            action: format!("/digest/subscription/{token}/unsubscribe"),
            button: "Unsubscribe".to_owned(),
            back: format!("/digest/subscription/{token}"),
        }
        .into_response());
    }
    subscriptions::end(&state, &subscription).await?;
    Ok(notice(
        viewer.ctx,
        "You are unsubscribed",
        format!(
            "Commonroom will send nothing more to {}, and your subscription is deleted.",
            subscription.email
        ),
        SUBSCRIBE,
        "Ask for the weekly digest again",
    )
    .into_response())
}
