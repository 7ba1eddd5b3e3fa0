//! The channel directory, a channel's page, creating, following and archiving.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{channel_for_members, readable_channel};
use super::extract::{Viewer, flash};
use super::pages::{PageQuery, channel_page};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::handle::Handle;
use crate::domain::policy::{self, Visibility};
use crate::domain::slug::ChannelSlug;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::channels::{self, Channel, CreateChannelError, NewChannel};
use crate::store::users;
use crate::views::Choice;
use crate::views::channels::{ChannelPage, ChannelsPage, MembersPage, NewChannelPage};
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
    })
}

pub async fn new_channel(viewer: Viewer) -> AppResult<NewChannelPage> {
    if !policy::can_create_channel(&viewer.actor()) {
        return Err(AppError::Forbidden);
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
        return Err(AppError::Forbidden);
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
    let slug = if form.slug.trim().is_empty() {
        ChannelSlug::from_name(name).ok_or("Choose a web address using letters or digits.")
    } else {
        ChannelSlug::parse(&form.slug)
    }
    .map_err(|m| errors.add("slug", m))
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
) -> AppResult<ChannelPage> {
    let channel = readable_channel(&state, &viewer, &slug).await?;
    let composer = Composer {
        preview_action: format!("/c/{}/preview", channel.slug),
        ..Composer::default()
    };
    channel_page(&state, viewer, channel, q.before.as_deref(), composer).await
}

pub async fn follow(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    let channel = readable_channel(&state, &viewer, &slug).await?;
    if !policy::can_follow_channel(&viewer.actor(), &channel.facts(&viewer.actor())) {
        return Err(AppError::Forbidden);
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
        return Err(AppError::Forbidden);
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

pub async fn archive(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    set_archived(state, viewer, slug, true).await
}

pub async fn unarchive(State(state): State<AppState>, viewer: Viewer, Path(slug): Path<String>) -> AppResult<Response> {
    set_archived(state, viewer, slug, false).await
}

async fn members_page(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    handle: String,
    errors: FormErrors,
) -> AppResult<MembersPage> {
    let actor = viewer.actor();
    let members = channels::members(&state.db, channel.id).await?;
    let visibilities = Visibility::ALL
        .into_iter()
        .map(|v| Choice {
            value: v.as_str().to_owned(),
            label: v.label().to_owned(),
            selected: v == channel.visibility,
        })
        .collect();
    Ok(MembersPage {
        ctx: viewer.ctx.within_section("channels"),
        can_manage: policy::can_manage_members(&actor),
        members,
        visibilities,
        handle,
        errors,
        channel,
    })
}

pub async fn show_members(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> AppResult<MembersPage> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    members_page(&state, viewer, channel, String::new(), FormErrors::new()).await
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
    if !policy::can_manage_members(&viewer.actor()) {
        return Err(AppError::Forbidden);
    }
    let found = match Handle::parse(&form.handle) {
        Some(handle) => users::existing_handles(&state.db, &[handle]).await?.into_iter().next(),
        None => None,
    };
    let Some((user_id, handle)) = found else {
        let errors = FormErrors::with(
            "handle",
            "Nobody has that handle. Type it as it appears on their profile, e.g. @sam.jones.",
        );
        let page = members_page(&state, viewer, channel, form.handle.clone(), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
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
) -> AppResult<Response> {
    let channel = channel_for_members(&state, &viewer, &slug).await?;
    if !policy::can_manage_members(&viewer.actor()) {
        return Err(AppError::Forbidden);
    }
    if channels::remove_member(&state.db, viewer.id(), channel.id, user_id).await? {
        flash(
            &viewer.session,
            &format!(
                "Removed from {}. They can no longer read or find its posts.",
                channel.name
            ),
        )
        .await;
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
    let channel = channels::by_slug(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    if !policy::can_manage_members(&actor) {
        return Err(AppError::Forbidden);
    }
    let Some(visibility) = Visibility::from_form(&form.visibility) else {
        let errors = FormErrors::with("visibility", "Choose who can read the channel.");
        let page = members_page(&state, viewer, channel, String::new(), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    channels::set_visibility(&state.db, actor.user_id, channel.id, visibility).await?;
    flash(
        &viewer.session,
        &format!("{} is now {}.", channel.name, visibility.label().to_lowercase()),
    )
    .await;
    Ok(see_other(&format!("/c/{}/members", channel.slug)))
}
