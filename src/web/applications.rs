//! Applying for a licence to post and asking for a new channel (anyone
//! signed in; a channel takes a licence), and the coordinators deciding
//! both. `router.rs` keeps the deciding to coordinators; the service
//! checks again.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Id, Viewer, flash, local_path};
use super::see_other;
use crate::domain::application::{ChannelRequest, Decision, LicenceApplication, Status};
use crate::domain::form::FormErrors;
use crate::domain::moderation::Reason;
use crate::domain::policy::{self, Refusal};
use crate::error::{AppError, AppResult};
use crate::service::applications::{self as service, ApplicationError};
use crate::state::AppState;
use crate::store::applications as rows;
use crate::views::community::{ApplicationsPage, ApplyPage, ChannelRequestPage};

fn failed(err: ApplicationError) -> AppError {
    match err {
        ApplicationError::NotFound => AppError::NotFound,
        ApplicationError::Refused(r) => AppError::Forbidden(r),
        ApplicationError::Db(e) => e.into(),
        other => AppError::Other(other.into()),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// What was typed into the application form, to show it again.
#[derive(Default)]
struct Typed {
    why: String,
    chosen: Vec<i64>,
    trained: String,
    manager_name: String,
}

async fn apply_page(
    state: &AppState,
    viewer: Viewer,
    next: String,
    typed: Typed,
    errors: FormErrors,
) -> AppResult<ApplyPage> {
    let actor = viewer.actor();
    Ok(ApplyPage {
        licensed: policy::has_licence(&actor),
        open_posting: actor.open_posting,
        latest: rows::latest_application(&state.db, viewer.id()).await?,
        channels: rows::open_channels(&state.db).await?,
        next,
        why: typed.why,
        chosen: typed.chosen,
        trained: typed.trained,
        manager_name: typed.manager_name,
        errors,
        ctx: viewer.ctx.in_section("apply"),
    })
}

/// `GET /apply`: the form, where an application stands, or that there is
/// nothing to apply for.
pub async fn show_apply(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NextQuery>,
) -> AppResult<ApplyPage> {
    let next = local_path(query.next.as_deref(), "/");
    apply_page(&state, viewer, next, Typed::default(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    why: String,
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    trained: String,
    #[serde(default)]
    manager_name: String,
    next: Option<String>,
}

pub async fn apply(State(state): State<AppState>, viewer: Viewer, Form(form): Form<ApplyForm>) -> AppResult<Response> {
    let next = local_path(form.next.as_deref(), "/");
    let typed = Typed {
        why: form.why.clone(),
        chosen: form.channels.iter().filter_map(|c| c.trim().parse().ok()).collect(),
        trained: form.trained.clone(),
        manager_name: form.manager_name.clone(),
    };
    let errors = match LicenceApplication::parse(&form.why, &form.channels, &form.trained, &form.manager_name) {
        Ok(application) => match service::apply(&state.db, &viewer.actor(), &application).await {
            Ok(_) => {
                flash(
                    &viewer.session,
                    "Thank you: your application is with the coordinators. You will get a notice and an email when they decide.",
                )
                .await;
                return Ok(see_other(&next));
            }
            Err(ApplicationError::UnknownChannel) => FormErrors::with(
                "channels",
                "Choose channels from the list: that one is not open to apply for.",
            ),
            Err(e @ (ApplicationError::AlreadyPending | ApplicationError::AlreadyLicensed)) => {
                let message = match e {
                    ApplicationError::AlreadyPending => {
                        "You already have an application waiting for a coordinator: they will decide it before you can send another."
                    }
                    _ => "You already hold a licence to post.",
                };
                FormErrors::with("why", message)
            }
            Err(e) => return Err(failed(e)),
        },
        Err(errors) => errors,
    };
    let page = apply_page(&state, viewer, next, typed, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn applications_page(
    state: &AppState,
    viewer: Viewer,
    failed: Option<(String, String)>,
) -> AppResult<ApplicationsPage> {
    Ok(ApplicationsPage {
        applications: rows::applications(&state.db).await?,
        requests: rows::requests(&state.db).await?,
        failed,
        ctx: viewer.ctx.in_section("applications"),
    })
}

/// `GET /applications`: what waits for the coordinators, and what they decided lately.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<ApplicationsPage> {
    applications_page(&state, viewer, None).await
}

/// The applications page again, with an error at one item's form.
async fn refused(state: &AppState, viewer: Viewer, key: String, message: &str) -> AppResult<Response> {
    let page = applications_page(state, viewer, Some((key, message.to_owned()))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn already(status: Status) -> String {
    format!(
        "This was already decided ({}): nothing changed.",
        status.label().to_lowercase()
    )
}

#[derive(Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    reason: String,
}

async fn decide_application(state: AppState, viewer: Viewer, id: i64, decision: Decision) -> AppResult<Response> {
    match service::decide_application(&state, &viewer.actor(), id, &decision).await {
        Ok(app) => {
            let message = match decision {
                Decision::Approve => format!(
                    "Approved: {} holds a licence to post from their next page, and was told.",
                    app.applicant_name
                ),
                Decision::Decline(_) => format!("Declined: {} was told why.", app.applicant_name),
            };
            flash(&viewer.session, &message).await;
            Ok(see_other("/applications"))
        }
        Err(ApplicationError::AlreadyDecided(status)) => {
            refused(&state, viewer, format!("application-{id}"), &already(status)).await
        }
        Err(e) => Err(failed(e)),
    }
}

pub async fn approve_application(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    decide_application(state, viewer, id, Decision::Approve).await
}

pub async fn decline_application(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<DeclineForm>,
) -> AppResult<Response> {
    match Reason::parse(&form.reason) {
        Ok(reason) => decide_application(state, viewer, id, Decision::Decline(reason)).await,
        Err(message) => {
            rows::application(&state.db, id).await?.ok_or(AppError::NotFound)?;
            refused(&state, viewer, format!("application-{id}"), message).await
        }
    }
}

async fn decide_request(state: AppState, viewer: Viewer, id: i64, decision: Decision) -> AppResult<Response> {
    let key = format!("request-{id}");
    match service::decide_request(&state, &viewer.actor(), id, &decision).await {
        Ok(req) => {
            let message = match decision {
                Decision::Approve => format!(
                    "Opened: /c/{} is ready, managed by {}. {} was told.",
                    req.slug, req.manager_name, req.requester_name
                ),
                Decision::Decline(_) => format!("Declined: {} was told why.", req.requester_name),
            };
            flash(&viewer.session, &message).await;
            Ok(see_other("/applications"))
        }
        Err(ApplicationError::AlreadyDecided(status)) => refused(&state, viewer, key, &already(status)).await,
        Err(ApplicationError::SlugTaken) => {
            let message = "Another channel has this web address now, so nothing was opened. Decline with a reason, and the requester can ask again with another address.";
            refused(&state, viewer, key, message).await
        }
        Err(e) => Err(failed(e)),
    }
}

pub async fn approve_request(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    decide_request(state, viewer, id, Decision::Approve).await
}

pub async fn decline_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<DeclineForm>,
) -> AppResult<Response> {
    match Reason::parse(&form.reason) {
        Ok(reason) => decide_request(state, viewer, id, Decision::Decline(reason)).await,
        Err(message) => {
            rows::request(&state.db, id).await?.ok_or(AppError::NotFound)?;
            refused(&state, viewer, format!("request-{id}"), message).await
        }
    }
}

/// Only someone with a licence to post asks for a channel.
fn licensed(viewer: &Viewer) -> AppResult<()> {
    if policy::has_licence(&viewer.actor()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Refusal::LicenceNeeded))
    }
}

#[derive(Default)]
struct RequestTyped {
    name: String,
    slug: String,
    purpose: String,
    manager: String,
}

async fn request_page(
    state: &AppState,
    viewer: Viewer,
    typed: RequestTyped,
    errors: FormErrors,
) -> AppResult<ChannelRequestPage> {
    Ok(ChannelRequestPage {
        mine: rows::requests_by(&state.db, viewer.id()).await?,
        name: typed.name,
        slug: typed.slug,
        purpose: typed.purpose,
        manager: typed.manager,
        errors,
        ctx: viewer.ctx.within_section("channels"),
    })
}

/// `GET /channels/request`: the form, and what this person asked for before.
pub async fn show_request(State(state): State<AppState>, viewer: Viewer) -> AppResult<ChannelRequestPage> {
    licensed(&viewer)?;
    request_page(&state, viewer, RequestTyped::default(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    manager: String,
}

pub async fn request_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    licensed(&viewer)?;
    let typed = RequestTyped {
        name: form.name.clone(),
        slug: form.slug.clone(),
        purpose: form.purpose.clone(),
        manager: form.manager.clone(),
    };
    let parsed = ChannelRequest::parse(
        &form.name,
        &form.slug,
        &form.purpose,
        &form.manager,
        &viewer.user.handle,
    );
    let errors = match parsed {
        Ok(request) => match service::request_channel(&state.db, &viewer.actor(), &request).await {
            Ok(_) => {
                flash(
                    &viewer.session,
                    "Thank you: your request is with the coordinators. You will get a notice and an email when they decide.",
                )
                .await;
                return Ok(see_other("/channels/request"));
            }
            Err(ApplicationError::NoSuchManager) => FormErrors::with(
                "manager",
                "Nobody active has that handle: give the handle of the person who will manage it.",
            ),
            Err(ApplicationError::SlugTaken) => FormErrors::with(
                "slug",
                "That web address is already used by another channel: choose another.",
            ),
            Err(e) => return Err(failed(e)),
        },
        Err(errors) => errors,
    };
    let page = request_page(&state, viewer, typed, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
