//! The channel directory, a channel's page, creating, following and archiving.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Viewer, flash};
use super::home::{PageQuery, next_url};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::slug::ChannelSlug;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::channels::{self, Channel, CreateChannelError, NewChannel};
use crate::store::posts;
use crate::views::{ChannelPage, ChannelsPage, Composer, NewChannelPage};

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
        ctx: viewer.ctx.in_section("channels"),
        name: String::new(),
        slug: String::new(),
        description: String::new(),
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
    let rerender = |errors: FormErrors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            NewChannelPage {
                ctx: viewer.ctx.clone().in_section("channels"),
                name: form.name.clone(),
                slug: form.slug.clone(),
                description: form.description.clone(),
                errors,
            },
        )
            .into_response()
    };
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Ok(rerender(errors));
    };
    let new = NewChannel {
        slug,
        name: name.to_owned(),
        description: form.description.clone(),
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

/// Load a channel the viewer may read, or say it is not there (never "forbidden", which would confirm it exists).
pub async fn readable_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = channels::by_slug(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    if !policy::can_read_channel(&actor, &channel.facts(&actor)) {
        return Err(AppError::NotFound);
    }
    Ok(channel)
}

pub async fn channel_page(
    state: &AppState,
    viewer: Viewer,
    channel: Channel,
    before: Option<&str>,
    composer: Composer,
) -> AppResult<ChannelPage> {
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let cursor = before.and_then(crate::domain::cursor::Cursor::decode);
    let page = posts::feed(&state.db, &[channel.id], cursor, &actor).await?;
    Ok(ChannelPage {
        follower_count: channels::follower_count(&state.db, channel.id).await?,
        following: channels::is_following(&state.db, actor.user_id, channel.id).await?,
        can_post: policy::can_post_in(&actor, &facts),
        can_archive: policy::can_archive_channel(&actor),
        composer,
        posts: page.posts,
        next_url: next_url(page.next),
        is_first_page: before.is_none(),
        channel,
        ctx: viewer.ctx.in_section("channels"),
    })
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
