//! The channel directory, a channel's page, creating, following and
//! archiving, its members and who may read it (email subscribers included).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{channel_for_members, readable_channel};
use super::extract::{Confirmed, Viewer, flash};
use super::pages::{PageQuery, channel_page, lobby_page, members_again, members_page, newest_channel};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, Refusal, Visibility};
use crate::domain::slug::ChannelSlug;
use crate::error::{AppError, AppResult};
use crate::service::groups::{self, GroupError, Named};
use crate::service::subscriptions::{self, OfferError};
use crate::state::AppState;
use crate::store::channels::{self, CreateChannelError, NewChannel};
use crate::views::ConfirmPage;
use crate::views::channels::{ChannelsPage, MemberForms, MembersPage, NewChannelPage};
use crate::views::posts::Composer;

pub async fn list_channels(State(state): State<AppState>, viewer: Viewer) -> AppResult<ChannelsPage> {
    let actor = viewer.actor();
    let (archived, active) = channels::directory(&state.db, &actor)
        .await?
        .into_iter()
        .partition(|s| s.channel.archived);
    Ok(ChannelsPage {
        ctx: viewer.ctx.in_section("channels"),
        active,
        archived,
        can_create: policy::can_create_channel(&actor),
        can_request: policy::has_licence(&actor),
    })
}

pub async fn new_channel(viewer: Viewer) -> AppResult<NewChannelPage> {
    if !policy::can_create_channel(&viewer.actor()) {
        return Err(AppError::Forbidden(Refusal::AdminsOnly));
    }
    Ok(NewChannelPage {
        ctx: viewer.ctx.within_section("channels"),
        name: String::new(),
        slug: String::new(),
        description: String::new(),
        visibility: Visibility::Open.as_str().to_owned(),
        errors: FormErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct ChannelForm {
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    visibility: String,
}

pub async fn create_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ChannelForm>,
) -> AppResult<Response> {
    let actor = viewer.actor();
    if !policy::can_create_channel(&actor) {
        return Err(AppError::Forbidden(Refusal::AdminsOnly));
    }
    let mut errors = FormErrors::new();
    let name = form.name.trim();
    if name.is_empty() {
        errors.add("name", "Give the channel a name.");
    } else if name.chars().count() > 80 {
        errors.add("name", "Keep the name under 80 characters.");
    }
    if form.description.trim().chars().count() > 500 {
        errors.add("description", "Keep the description under 500 characters.");
    }
    // The address is optional: made from the name when left blank, so a
    // missing name is the only thing to say about an empty form.
    let slug = if form.slug.trim().is_empty() {
        ChannelSlug::from_name(name).ok_or(if name.is_empty() {
            None
        } else {
            Some("The name has no letters or digits to make a web address from: choose one.")
        })
    } else {
        ChannelSlug::parse(&form.slug).map_err(Some)
    }
    .map_err(|m| {
        if let Some(m) = m {
            errors.add("slug", m)
        }
    })
    .ok();
    let visibility = if form.visibility.is_empty() {
        Some(Visibility::Open)
    } else {
        Visibility::from_form(&form.visibility)
    };
    if visibility.is_none() {
        errors.add("visibility", "Choose who can read the channel.");
    }
    let rerender = |errors: FormErrors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            NewChannelPage {
                ctx: viewer.ctx.clone().within_section("channels"),
                name: form.name.clone(),
                slug: form.slug.clone(),
                description: form.description.clone(),
                visibility: form.visibility.clone(),
                errors,
            },
        )
            .into_response()
    };
    let (Some(slug), Some(visibility)) = (slug.filter(|_| errors.is_empty()), visibility) else {
        return Ok(rerender(errors));
    };
    let new = NewChannel {
        slug,
        name: name.to_owned(),
        description: form.description.clone(),
        visibility,
        manager: actor.user_id,
    };
    match channels::create(&state.db, actor.user_id, new).await {
        Ok(channel) => {
            flash(
                &viewer.session,
                &format!("Channel “{}” created. You are following it.", channel.name),
            )
            .await;
            Ok(see_other(&format!("/c/{}", channel.slug)))
        }
        Err(CreateChannelError::SlugTaken) => Ok(rerender(FormErrors::with(
            "slug",
            "Another channel already uses this web address. Choose a different one.",
        ))),
        Err(CreateChannelError::Db(e)) => Err(e.into()),
    }
}

pub async fn show_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let newest = newest_channel(&state, &viewer, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    let facts = newest.head.channel.facts(&actor);
    if !policy::can_read_channel(&actor, &facts) {
        // Someone outside a listed working group sees what it is for and
        // who runs it, and may ask to join; of a hidden one, nothing.
        if !policy::can_see_channel_listed(&actor, &facts) {
            return Err(AppError::NotFound);
        }
        return Ok(lobby_page(
            &state,
            viewer,
            newest.head.channel.clone(),
            String::new(),
            FormErrors::new(),
        )
        .await?
        .into_response());
    }
    let composer = Composer {
        preview_action: format!("/c/{}/preview", newest.head.channel.slug),
        ..Composer::default()
    };
    Ok(channel_page(&state, viewer, &newest, q.page(), composer)
        .await?
        .into_response())
}

pub async fn follow(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    let channel = readable_channel(&state, &viewer, &slug).await?;
    if !policy::can_follow_channel(&viewer.actor(), &channel.facts(&viewer.actor())) {
        return Err(AppError::Forbidden(Refusal::MembersOnly));
    }
    channels::follow(&state.db, viewer.id(), channel.id).await?;
    flash(
        &viewer.session,
        &format!(
            "You are following {}. Its posts now appear on your home page.",
            channel.name
        ),
    )
    .await;
    Ok(see_other(&format!("/c/{}", channel.slug)))
}

pub async fn unfollow(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    let channel = readable_channel(&state, &viewer, &slug).await?;
    channels::unfollow(&state.db, viewer.id(), channel.id).await?;
    flash(
        &viewer.session,
        &format!("You are no longer following {}.", channel.name),
    )
    .await;
    Ok(see_other(&format!("/c/{}", channel.slug)))
}

async fn set_archived(state: AppState, viewer: Viewer, slug: String, archived: bool) -> AppResult<Response> {
    let channel = readable_channel(&state, &viewer, &slug).await?;
    if !policy::can_archive_channel(&viewer.actor()) {
        return Err(AppError::Forbidden(Refusal::AdminsOnly));
    }
    channels::set_archived(&state.db, viewer.id(), channel.id, archived).await?;
    let message = if archived {
        format!("{} is archived: read-only, and still findable.", channel.name)
    } else {
        format!("{} is open for posts again.", channel.name)
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/c/{}", channel.slug)))
}

/// Archive a channel once the person has confirmed; until then (and when its
/// address is opened) ask.
pub async fn archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    if confirmed {
        return set_archived(state, viewer, slug, true).await;
    }
    let channel = readable_channel(&state, &viewer, &slug).await?;
    if !policy::can_archive_channel(&viewer.actor()) {
        return Err(AppError::Forbidden(Refusal::AdminsOnly));
    }
    let page = ConfirmPage {
        ctx: viewer.ctx,
        title: format!("Archive {}?", channel.name),
        detail: "Everyone who can read it still can, and it stays in search, but nobody can post, reply or react until an administrator brings it back from the archive.".into(),
        action: format!("/c/{}/archive", channel.slug),
        button: "Archive channel".into(),
        back: format!("/c/{}", channel.slug),
    };
    Ok(page.into_response())
}

pub async fn unarchive(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    set_archived(state, viewer, slug, false).await
}

pub async fn show_members(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> AppResult<MembersPage> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    members_page(&state, viewer, channel, MemberForms::default(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    handle: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_manage_members(&actor, &channel.facts(&actor)) {
        return Err(AppError::Forbidden(Refusal::ManagersOnly));
    }
    let (user_id, handle) = match groups::person_named(&state.db, &form.handle).await? {
        Named::One(id, handle) => (id, handle),
        named => {
            let forms = MemberForms {
                handle: form.handle.clone(),
                candidates: named.candidates(),
                ..MemberForms::default()
            };
            return members_again(&state, viewer, channel, forms, named.errors("handle")).await;
        }
    };
    let message = if channels::add_member(&state.db, viewer.id(), channel.id, user_id).await? {
        format!("@{handle} is now a member of {}.", channel.name)
    } else {
        format!("@{handle} was already a member of {}.", channel.name)
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/c/{}/members", channel.slug)))
}

pub async fn remove_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, user_id)): Path<(String, i64)>,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_manage_members(&actor, &channel.facts(&actor)) {
        return Err(AppError::Forbidden(Refusal::ManagersOnly));
    }
    if !confirmed {
        let member = channels::members(&state.db, channel.id)
            .await?
            .into_iter()
            .find(|m| m.id == user_id)
            .ok_or(AppError::NotFound)?;
        let page = ConfirmPage {
            ctx: viewer.ctx,
            title: format!("Remove {} from {}?", member.name, channel.name),
            detail:
                "From now on they can no longer read or find its posts and discussions. You can add them again later."
                    .into(),
            action: format!("/c/{}/members/{user_id}/remove", channel.slug),
            button: "Remove member".into(),
            back: format!("/c/{}/members", channel.slug),
        };
        return Ok(page.into_response());
    }
    match groups::remove_member(&state.db, &actor, &channel, user_id).await {
        Ok(true) => {
            flash(
                &viewer.session,
                &format!(
                    "Removed from {}. They can no longer read or find its posts.",
                    channel.name
                ),
            )
            .await;
        }
        Ok(false) => {}
        Err(GroupError::LastManager) => {
            let errors = FormErrors::with(
                "manager",
                "They are this channel's only manager. Name another manager before removing them.",
            );
            return members_again(&state, viewer, channel, MemberForms::default(), errors).await;
        }
        Err(GroupError::Refused(refusal)) => return Err(AppError::Forbidden(refusal)),
        Err(GroupError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    Ok(see_other(&format!("/c/{}/members", channel.slug)))
}

#[derive(Deserialize)]
pub struct VisibilityForm {
    #[serde(default)]
    visibility: String,
}

pub async fn set_visibility(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<VisibilityForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_manage_channel(&actor, &channel.facts(&actor)) {
        return Err(AppError::Forbidden(Refusal::ManagersOnly));
    }
    let Some(visibility) = Visibility::from_form(&form.visibility) else {
        let errors = FormErrors::with("visibility", "Choose who can read the channel.");
        return members_again(&state, viewer, channel, MemberForms::default(), errors).await;
    };
    channels::set_visibility(&state.db, actor.user_id, channel.id, visibility).await?;
    flash(
        &viewer.session,
        &format!("{} is now {}.", channel.name, visibility.label().to_lowercase()),
    )
    .await;
    Ok(see_other(&format!("/c/{}/members", channel.slug)))
}

#[derive(Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    digest_open: String,
}

/// Offer an open channel to email-only digest subscribers, or stop.
pub async fn offer_to_subscribers(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<OfferForm>,
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    if !policy::can_offer_to_subscribers(&actor) {
        return Err(AppError::Forbidden(Refusal::AdminsOnly));
    }
    let open = match form.digest_open.trim() {
        "yes" => true,
        "no" => false,
        _ => {
            let errors = FormErrors::with("digest_open", "Choose whether to offer it to email subscribers.");
            return members_again(&state, viewer, channel, MemberForms::default(), errors).await;
        }
    };
    match subscriptions::offer_channel(&state, &actor, channel.id, open).await {
        Ok(()) => {}
        Err(OfferError::NotOpen) => {
            let errors = FormErrors::with(
                "digest_open",
                "Only an open channel can be offered to email subscribers. Make it open first.",
            );
            return members_again(&state, viewer, channel, MemberForms::default(), errors).await;
        }
        Err(OfferError::Refused(refusal)) => return Err(AppError::Forbidden(refusal)),
        Err(OfferError::NoChannel) => return Err(AppError::NotFound),
        Err(OfferError::Db(err)) => return Err(err.into()),
    }
    let message = if open {
        format!(
            "{} is offered to email subscribers: people without an account can ask for its digest.",
            channel.name
        )
    } else {
        format!(
            "{} is no longer offered to email subscribers: their digests leave it out from now on.",
            channel.name
        )
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/c/{}/members", channel.slug)))
}
