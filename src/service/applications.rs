//! The coordinators' side of the community model: a member applies for a
//! licence to post and a coordinator approves it (the applicant becomes a
//! contributor) or declines it with a reason; a contributor asks for a new
//! channel and a coordinator opens it, with its manager, or declines. Each
//! decision is one transaction with its audit row and the notice the
//! person reads on their next visit; the email follows once it is done.

use sea_orm::{DbErr, TransactionTrait};

use crate::domain::application::{ChannelRequest, Decision, LicenceApplication, Status};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::moderation::NoticeKind;
use crate::domain::policy::{self, Actor, Refusal, Visibility};
use crate::domain::role::Role;
use crate::domain::slug::ChannelSlug;
use crate::email::mailer::Rendered;
use crate::email::messages::{ChannelDecision, LicenceDecision};
use crate::state::AppState;
use crate::store::applications::{self as rows, Application, Request};
use crate::store::channels::{self, CreateChannelError, NewChannel};
use crate::store::moderation::add_notice;
use crate::store::{self, audit, users};

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    /// No such application or request.
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Refused(Refusal),
    #[error("you already hold a licence to post")]
    AlreadyLicensed,
    #[error("you already have an application waiting for a coordinator")]
    AlreadyPending,
    /// A channel chosen is not one to ask a licence for (gone, private or archived).
    #[error("choose channels from the list")]
    UnknownChannel,
    #[error("this was already decided")]
    AlreadyDecided(Status),
    #[error("nobody active has that handle")]
    NoSuchManager,
    #[error("that web address is already used by another channel")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn coordinator_only(actor: &Actor) -> Result<(), ApplicationError> {
    if policy::can_coordinate(actor) {
        Ok(())
    } else {
        Err(ApplicationError::Refused(Refusal::CoordinatorsOnly))
    }
}

/// Apply for a licence to post, for channels that are open and not archived.
pub async fn apply(
    db: &impl TransactionTrait,
    actor: &Actor,
    form: &LicenceApplication,
) -> Result<i64, ApplicationError> {
    if policy::has_licence(actor) {
        return Err(ApplicationError::AlreadyLicensed);
    }
    let txn = store::begin_write(db).await?;
    let open = rows::open_channels(&txn).await?;
    if !form.channels.iter().all(|id| open.iter().any(|c| c.id == *id)) {
        return Err(ApplicationError::UnknownChannel);
    }
    let id = rows::add_application(&txn, actor.user_id, form)
        .await?
        .ok_or(ApplicationError::AlreadyPending)?;
    txn.commit().await?;
    Ok(id)
}

/// The coordinator's name, for the notice and the email.
async fn name_of(db: &impl sea_orm::ConnectionTrait, id: i64) -> Result<String, DbErr> {
    Ok(users::account_by_id(db, id)
        .await?
        .map_or_else(|| "A coordinator".to_owned(), |a| a.name))
}

/// Send a decision's email. The decision stands if the mail server is
/// down: the notice tells the person anyway, so a failure is only logged.
async fn tell(state: &AppState, to: &str, message: askama::Result<Rendered>) {
    let sent = match message {
        Ok(m) => state.mailer.send(to, m).await,
        Err(e) => Err(anyhow::Error::new(e).context("rendering a decision email")),
    };
    if let Err(err) = sent {
        tracing::warn!(error = %format!("{err:#}"), "could not email a coordinator's decision");
    }
}

/// Approve or decline a waiting licence application. An approval makes the
/// applicant a contributor (their open sessions post on their next
/// request). Returns the application as it was before the decision.
pub async fn decide_application(
    state: &AppState,
    actor: &Actor,
    id: i64,
    decision: &Decision,
) -> Result<Application, ApplicationError> {
    coordinator_only(actor)?;
    let txn = store::begin_write(&state.db).await?;
    let app = rows::application(&txn, id).await?.ok_or(ApplicationError::NotFound)?;
    if !rows::decide_application(&txn, id, actor.user_id, decision).await? {
        return Err(ApplicationError::AlreadyDecided(app.status));
    }
    let coordinator = name_of(&txn, actor.user_id).await?;
    let (action, body, link, detail) = match decision {
        Decision::Approve => {
            let account = users::account_by_id(&txn, app.user_id)
                .await?
                .ok_or(ApplicationError::NotFound)?;
            let mut roles = account.roles;
            roles.push(Role::Contributor);
            roles.sort_unstable();
            roles.dedup();
            users::set_roles(&txn, app.user_id, &roles).await?;
            (
                AuditAction::ApplicationApprove,
                format!(
                    "{coordinator} approved your application for a licence to post: you can now start posts and share links in open channels."
                ),
                "/channels",
                format!("user:{}; licence to post given", app.user_id),
            )
        }
        Decision::Decline(reason) => (
            AuditAction::ApplicationDecline,
            format!("{coordinator} declined your application for a licence to post. Their reason: {reason}"),
            "/apply",
            format!("user:{}; {reason}", app.user_id),
        ),
    };
    add_notice(
        &txn,
        app.user_id,
        NoticeKind::Decision,
        &body,
        Some(link),
        Some(actor.user_id),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        action,
        &AuditTarget::Application(id),
        &detail,
    )
    .await?;
    txn.commit().await?;
    let base = state.public_base();
    let message = LicenceDecision {
        name: app.applicant_name.clone(),
        coordinator,
        approved: *decision == Decision::Approve,
        reason: decision.reason().unwrap_or_default().to_owned(),
        link: format!("{base}{link}"),
        guidelines: format!("{base}/guidelines"),
    }
    .render();
    tell(state, &app.applicant_email, message).await;
    Ok(app)
}

/// Ask for a new open channel, managed by someone active (the asker, by default).
pub async fn request_channel(
    db: &impl TransactionTrait,
    actor: &Actor,
    form: &ChannelRequest,
) -> Result<i64, ApplicationError> {
    if !policy::has_licence(actor) {
        return Err(ApplicationError::Refused(Refusal::LicenceNeeded));
    }
    let txn = store::begin_write(db).await?;
    let manager = users::account_by_handle(&txn, &form.manager_handle)
        .await?
        .filter(|a| a.active)
        .ok_or(ApplicationError::NoSuchManager)?;
    if channels::by_slug(&txn, form.slug.as_str()).await?.is_some() {
        return Err(ApplicationError::SlugTaken);
    }
    let id = rows::add_request(&txn, actor.user_id, form, manager.id).await?;
    txn.commit().await?;
    Ok(id)
}

/// Approve or decline a waiting channel request. An approval opens the
/// channel (audited as its creation too), makes the proposed manager its
/// manager, and has the requester and the manager follow it. Returns the
/// request as it was before the decision.
pub async fn decide_request(
    state: &AppState,
    actor: &Actor,
    id: i64,
    decision: &Decision,
) -> Result<Request, ApplicationError> {
    coordinator_only(actor)?;
    let txn = store::begin_write(&state.db).await?;
    let req = rows::request(&txn, id).await?.ok_or(ApplicationError::NotFound)?;
    if !req.is_pending() {
        return Err(ApplicationError::AlreadyDecided(req.status));
    }
    let coordinator = name_of(&txn, actor.user_id).await?;
    let (channel_id, action, body, link, detail) = match decision {
        Decision::Approve => {
            let slug = ChannelSlug::parse(&req.slug).map_err(|_| ApplicationError::SlugTaken)?;
            if channels::by_slug(&txn, slug.as_str()).await?.is_some() {
                return Err(ApplicationError::SlugTaken);
            }
            let new = NewChannel {
                slug,
                name: req.name.clone(),
                description: req.purpose.clone(),
                visibility: Visibility::Open,
                manager: req.manager_id,
            };
            let channel = channels::create(&txn, actor.user_id, new).await.map_err(|e| match e {
                CreateChannelError::SlugTaken => ApplicationError::SlugTaken,
                CreateChannelError::Db(e) => ApplicationError::Db(e),
            })?;
            rows::add_manager(&txn, channel.id, req.manager_id, Some(actor.user_id)).await?;
            channels::follow(&txn, req.manager_id, channel.id).await?;
            channels::follow(&txn, req.requester_id, channel.id).await?;
            if req.manager_id != req.requester_id {
                add_notice(
                    &txn,
                    req.manager_id,
                    NoticeKind::Decision,
                    &format!(
                        "{coordinator} opened the channel “{}” that {} asked for, with you as its manager.",
                        channel.name, req.requester_name
                    ),
                    Some(&format!("/c/{}", channel.slug)),
                    Some(actor.user_id),
                )
                .await?;
            }
            (
                Some(channel.id),
                AuditAction::ChannelRequestApprove,
                format!(
                    "{coordinator} approved your request: the channel “{}” is open, managed by {}.",
                    channel.name, req.manager_name
                ),
                format!("/c/{}", channel.slug),
                format!(
                    "channel:{} {}; manager user:{}",
                    channel.id, channel.slug, req.manager_id
                ),
            )
        }
        Decision::Decline(reason) => (
            None,
            AuditAction::ChannelRequestDecline,
            format!(
                "{coordinator} declined your request for the channel “{}”. Their reason: {reason}",
                req.name
            ),
            "/channels/request".to_owned(),
            format!("{}; {reason}", req.slug),
        ),
    };
    if !rows::decide_request(&txn, id, actor.user_id, decision, channel_id).await? {
        return Err(ApplicationError::AlreadyDecided(req.status));
    }
    add_notice(
        &txn,
        req.requester_id,
        NoticeKind::Decision,
        &body,
        Some(&link),
        Some(actor.user_id),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        action,
        &AuditTarget::ChannelRequest(id),
        &detail,
    )
    .await?;
    txn.commit().await?;
    let message = ChannelDecision {
        name: req.requester_name.clone(),
        coordinator,
        channel: req.name.clone(),
        manager: req.manager_name.clone(),
        approved: *decision == Decision::Approve,
        reason: decision.reason().unwrap_or_default().to_owned(),
        link: format!("{}{link}", state.public_base()),
    }
    .render();
    tell(state, &req.requester_email, message).await;
    Ok(req)
}
