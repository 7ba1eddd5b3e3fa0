//! Working groups from the browser: asking to join a private channel (and
//! withdrawing), the managers answering, leaving, a channel's name and
//! purpose, and naming managers and deputies. The work is `service::groups`'s.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::channel_for_members;
use super::extract::{Confirmed, Viewer, flash};
use super::pages::{lobby_page, members_again};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::time::end_of_local_day;
use crate::error::{AppError, AppResult};
use crate::service::groups::{self, GroupError, Named};
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::views::ConfirmPage;
use crate::views::channels::MemberForms;

/// A channel the viewer can at least see listed (its lobby); anything else is not there.
async fn listed_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = channels::by_slug(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    if !policy::can_see_channel_listed(&actor, &channel.facts(&actor)) {
        return Err(AppError::NotFound);
    }
    Ok(channel)
}

/// The errors every action here shares, as the page to show.
fn refused(err: GroupError) -> AppError {
    match err {
        GroupError::Refused(refusal) => AppError::Forbidden(refusal),
        GroupError::Db(e) => e.into(),
        _ => AppError::NotFound,
    }
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    message: String,
}

pub async fn ask_to_join(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<JoinForm>,
) -> AppResult<Response> {
    let channel = listed_channel(&state, &viewer, &slug).await?;
    let back = format!("/c/{}", channel.slug);
    match groups::ask_to_join(&state.db, &viewer.actor(), &channel, &form.message).await {
        Ok(_) => {
            flash(
                &viewer.session,
                &format!("You asked to join {}. Its managers will answer.", channel.name),
            )
            .await;
        }
        Err(GroupError::AlreadyAsked) => {
            flash(
                &viewer.session,
                "You already asked to join; the managers have not answered yet.",
            )
            .await;
        }
        Err(GroupError::Invalid(message)) => {
            let page = lobby_page(
                &state,
                viewer,
                channel,
                form.message,
                FormErrors::with("message", message),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(err) => return Err(refused(err)),
    }
    Ok(see_other(&back))
}

pub async fn withdraw_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let channel = listed_channel(&state, &viewer, &slug).await?;
    match groups::withdraw_request(&state.db, &viewer.actor(), &channel).await {
        Ok(()) => flash(&viewer.session, "Your request to join is withdrawn.").await,
        Err(GroupError::NotFound) => {}
        Err(err) => return Err(refused(err)),
    }
    Ok(see_other(&format!("/c/{}", channel.slug)))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    reason: String,
}

async fn answer(
    state: AppState,
    viewer: Viewer,
    slug: String,
    id: i64,
    accept: bool,
    reason: String,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let back = format!("/c/{}/members", channel.slug);
    match groups::answer(&state.db, &viewer.actor(), &channel, id, accept, &reason).await {
        Ok(request) => {
            let message = if accept {
                format!("{} is now a member of {}.", request.person.name, channel.name)
            } else {
                format!("You declined {}'s request. They are told.", request.person.name)
            };
            flash(&viewer.session, &message).await;
        }
        Err(GroupError::AlreadyAnswered) => {
            flash(&viewer.session, "Someone already answered that request.").await;
        }
        Err(GroupError::Invalid(message)) => {
            return members_again(
                &state,
                viewer,
                channel,
                MemberForms::default(),
                FormErrors::with("reason", message),
            )
            .await;
        }
        Err(err) => return Err(refused(err)),
    }
    Ok(see_other(&back))
}

pub async fn accept_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    answer(state, viewer, slug, id, true, String::new()).await
}

pub async fn decline_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    answer(state, viewer, slug, id, false, form.reason).await
}

/// Leave a private channel once the person has confirmed; until then, ask.
pub async fn leave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_leave(&actor, &channel.facts(&actor)) {
        return Err(AppError::NotFound);
    }
    if !confirmed {
        let page = ConfirmPage {
            ctx: viewer.ctx,
            title: format!("Leave {}?", channel.name),
            detail: "You will no longer read or find its posts and discussions, or get them in your digest. To come back, ask to join again.".into(),
            action: format!("/c/{}/leave", channel.slug),
            button: "Leave channel".into(),
            back: format!("/c/{}", channel.slug),
        };
        return Ok(page.into_response());
    }
    match groups::leave(&state.db, &actor, &channel).await {
        Ok(()) => {
            flash(&viewer.session, &format!("You left {}.", channel.name)).await;
            Ok(see_other("/channels"))
        }
        Err(GroupError::LastManager) => {
            let errors = FormErrors::with(
                "manager",
                "You are this channel's only manager. Name another manager before you leave.",
            );
            members_again(&state, viewer, channel, MemberForms::default(), errors).await
        }
        Err(err) => Err(refused(err)),
    }
}

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
}

pub async fn save_details(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<DetailsForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    match groups::edit(&state.db, &viewer.actor(), &channel, &form.name, &form.purpose).await {
        Ok(()) => {
            flash(&viewer.session, "Saved the channel's name and purpose.").await;
            Ok(see_other(&format!("/c/{}/members", channel.slug)))
        }
        Err(GroupError::Invalid(message)) => {
            let field = if message.contains("purpose") { "purpose" } else { "name" };
            let forms = MemberForms {
                name: Some(form.name),
                purpose: Some(form.purpose),
                ..MemberForms::default()
            };
            members_again(&state, viewer, channel, forms, FormErrors::with(field, message)).await
        }
        Err(err) => Err(refused(err)),
    }
}

#[derive(Deserialize)]
pub struct DeputyForm {
    #[serde(default)]
    deputy: String,
    #[serde(default)]
    until: String,
}

/// Name a deputy until the end of a day (in the organisation's time zone).
pub async fn name_deputy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<DeputyForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_name_deputies(&actor, channel.id) {
        return Err(AppError::Forbidden(policy::Refusal::ManagersOnly));
    }
    let named = groups::person_named(&state.db, &form.deputy).await?;
    let mut errors = named.errors("deputy");
    let until = if form.until.trim().is_empty() {
        errors.add("until", "Choose the last day they cover for you.");
        None
    } else {
        end_of_local_day(&form.until, state.settings.curation.timezone)
            .map_err(|m| errors.add("until", m))
            .ok()
    };
    if let (Named::One(user_id, handle), Some(until)) = (&named, until)
        && errors.is_empty()
    {
        match groups::name_steward(
            &state.db,
            &actor,
            &channel,
            *user_id,
            Some(until),
            state.settings.curation.timezone,
        )
        .await
        {
            Ok(()) => {
                flash(
                    &viewer.session,
                    &format!(
                        "@{handle} is deputy for {} until the end of {}.",
                        channel.name,
                        form.until.trim()
                    ),
                )
                .await;
                return Ok(see_other(&format!("/c/{}/members", channel.slug)));
            }
            Err(GroupError::EndInPast) => errors.add("until", "Choose today or a later day."),
            Err(GroupError::LastManager) => errors.add(
                "deputy",
                "They are this channel's only manager: a manager cannot also be its deputy.",
            ),
            Err(err) => return Err(refused(err)),
        }
    }
    let forms = MemberForms {
        deputy: form.deputy,
        until: form.until,
        candidates: named.candidates(),
        ..MemberForms::default()
    };
    members_again(&state, viewer, channel, forms, errors).await
}

#[derive(Deserialize)]
pub struct ManagerForm {
    #[serde(default)]
    manager: String,
}

pub async fn name_manager(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<ManagerForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_name_deputies(&actor, channel.id) {
        return Err(AppError::Forbidden(policy::Refusal::ManagersOnly));
    }
    let named = groups::person_named(&state.db, &form.manager).await?;
    if let Named::One(user_id, handle) = &named {
        groups::name_steward(
            &state.db,
            &actor,
            &channel,
            *user_id,
            None,
            state.settings.curation.timezone,
        )
        .await
        .map_err(refused)?;
        flash(
            &viewer.session,
            &format!("@{handle} is now a manager of {}.", channel.name),
        )
        .await;
        return Ok(see_other(&format!("/c/{}/members", channel.slug)));
    }
    let errors = named.errors("manager");
    let forms = MemberForms {
        manager: form.manager,
        candidates: named.candidates(),
        ..MemberForms::default()
    };
    members_again(&state, viewer, channel, forms, errors).await
}

pub async fn remove_steward(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, user_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    match groups::remove_steward(&state.db, &viewer.actor(), &channel, user_id).await {
        Ok(()) => {
            flash(
                &viewer.session,
                "Done: they no longer run this channel, and stay a member.",
            )
            .await;
            Ok(see_other(&format!("/c/{}/members", channel.slug)))
        }
        Err(GroupError::LastManager) => {
            let errors = FormErrors::with(
                "manager",
                "This is the channel's only manager. Name another manager first.",
            );
            members_again(&state, viewer, channel, MemberForms::default(), errors).await
        }
        Err(err) => Err(refused(err)),
    }
}
