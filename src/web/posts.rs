//! Posts: creating one in a channel, its thread page, editing and deleting.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::channels::{channel_page, readable_channel};
use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::post::{LinkUrl, PostDraft, PostKind};
use crate::error::{AppError, AppResult};
use crate::ingest::preview;
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::store::posts::{self, Post};
use crate::store::replies::{self, Quote};
use crate::store::sites::{self, SiteKind};
use crate::views::{Composer, EditPostPage, ReplyItem, ThreadPage};

#[derive(Deserialize)]
pub struct PostForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    body: String,
}

impl PostForm {
    fn composer(&self, errors: FormErrors) -> Composer {
        Composer {
            kind: self.kind.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            body: self.body.clone(),
            errors,
            preview_action: String::new(),
            notice: None,
        }
    }
}

/// A channel the viewer may read and post in.
async fn postable_channel(state: &AppState, viewer: &Viewer, slug: &str) -> AppResult<Channel> {
    let channel = readable_channel(state, viewer, slug).await?;
    let actor = viewer.actor();
    if !policy::can_post_in(&actor, &channel.facts(&actor)) {
        return Err(AppError::Forbidden);
    }
    Ok(channel)
}

pub async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let channel = postable_channel(&state, &viewer, &slug).await?;
    let actor = viewer.actor();
    let draft = match checked_draft(&state, &form).await? {
        Ok(draft) => draft,
        Err(errors) => {
            let composer = Composer {
                preview_action: format!("/c/{}/preview", channel.slug),
                ..form.composer(errors)
            };
            let page = channel_page(&state, viewer, channel, None, composer).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let id = posts::create(&state.db, actor.user_id, &channel, &draft).await?;
    flash(&viewer.session, &format!("Posted to #{}.", channel.slug)).await;
    Ok(see_other(&format!("/p/{id}")))
}

/// The form as a post that may be stored: well formed, and not linking to a
/// blocked site (the form says why).
async fn checked_draft(state: &AppState, form: &PostForm) -> AppResult<Result<PostDraft, FormErrors>> {
    let draft = match PostDraft::parse(&form.kind, &form.title, &form.url, &form.body) {
        Ok(draft) => draft,
        Err(errors) => return Ok(Err(errors)),
    };
    if let Some(link) = &draft.link
        && let Some(rule) = sites::rule_for(&state.db, &link.domain()).await?
        && rule.kind == SiteKind::Blocked
    {
        return Ok(Err(FormErrors::with("url", blocked_message(&rule))));
    }
    Ok(Ok(draft))
}

pub(crate) fn blocked_message(rule: &sites::SiteRule) -> String {
    let why = if rule.note.is_empty() {
        String::new()
    } else {
        format!(" ({})", rule.note)
    };
    format!(
        "Links to {} cannot be shared here: the site is on the blocked list{why}.",
        rule.domain
    )
}

/// "Fill in from the link": fetch the page safely and prefill the title and
/// a quoted summary, keeping whatever the poster already wrote.
pub async fn preview_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let channel = postable_channel(&state, &viewer, &slug).await?;
    let mut composer = Composer {
        kind: PostKind::Link.as_str().into(),
        preview_action: format!("/c/{}/preview", channel.slug),
        ..form.composer(FormErrors::new())
    };
    match LinkUrl::parse(&form.url) {
        Err(message) => composer.errors.add("url", message),
        Ok(link) => match sites::rule_for(&state.db, &link.domain()).await? {
            Some(rule) if rule.kind == SiteKind::Blocked => composer.errors.add("url", blocked_message(&rule)),
            rule => match preview::fetch(&state.fetcher, link.as_str()).await {
                Ok(found) => {
                    if composer.title.trim().is_empty() {
                        composer.title = found.title;
                    }
                    if composer.body.trim().is_empty() && !found.description.is_empty() {
                        composer.body = format!("> {}\n\n", found.description);
                    }
                    if let Some(canonical) = found.canonical.and_then(|c| LinkUrl::parse(&c).ok())
                        && canonical.domain() == link.domain()
                    {
                        composer.url = canonical.as_str().to_owned();
                    }
                    let approved = match rule {
                        Some(rule) if rule.kind == SiteKind::Approved => {
                            format!(" ✓ {} is an approved source.", rule.domain)
                        }
                        _ => String::new(),
                    };
                    composer.notice = Some(format!(
                        "Filled in from the page. Edit the title, and say in your own words why it matters.{approved}"
                    ));
                }
                Err(err) => composer.errors.add(
                    "url",
                    format!("We could not read that page ({err}). You can still fill in the title yourself."),
                ),
            },
        },
    }
    let status = if composer.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = channel_page(&state, viewer, channel, None, composer).await?;
    Ok((status, page).into_response())
}

/// A post the viewer may read, with its channel. Unknown and unreadable look the same.
pub async fn readable_post(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<(Post, Channel)> {
    let post = posts::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let channel = channels::by_id(&state.db, post.channel_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = viewer.actor();
    if !policy::can_read_content(&actor, &channel.facts(&actor), &post.facts()) {
        return Err(AppError::NotFound);
    }
    Ok((post, channel))
}

/// The thread page, with the reply form as given (empty, or kept after an error).
pub async fn thread_page(
    state: &AppState,
    viewer: Viewer,
    post: Post,
    channel: Channel,
    reply_body: String,
    quote: Option<Quote>,
    errors: FormErrors,
) -> AppResult<ThreadPage> {
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let content = post.facts();
    let card = posts::card_by_id(&state.db, post.id, &actor)
        .await?
        .ok_or(AppError::NotFound)?;
    let deleted_notice = if let Some(when) = &post.deleted {
        let by = if post.deleted_by_author {
            "its author"
        } else {
            "an administrator"
        };
        Some(format!(
            "This post was deleted by {by} ({}). Earlier replies are kept below.",
            when.human
        ))
    } else if post.hidden {
        Some("This post has been hidden by a moderator.".to_owned())
    } else {
        None
    };
    let can_reply = policy::can_reply_in(&actor, &facts, &content);
    let replies = replies::for_post(&state.db, post.id, &actor)
        .await?
        .into_iter()
        .map(|reply| ReplyItem {
            can_edit: policy::can_edit(&actor, &facts, &reply.facts),
            can_delete: policy::can_delete(&actor, &facts, &reply.facts),
            can_react: can_reply && policy::can_react(&actor, &facts, &reply.facts),
            can_quote: can_reply && !reply.deleted,
            reply,
        })
        .collect();
    Ok(ThreadPage {
        can_edit: policy::can_edit(&actor, &facts, &content),
        can_delete: policy::can_delete(&actor, &facts, &content),
        can_react: policy::can_react(&actor, &facts, &content),
        can_reply,
        post: card,
        channel,
        deleted_notice,
        replies,
        reply_body,
        quote,
        errors,
        ctx: viewer.ctx,
    })
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    /// Kept as text: a malformed value just means "no quote", never an error page.
    quote: Option<String>,
}

pub async fn show_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Query(q): Query<ThreadQuery>,
) -> AppResult<ThreadPage> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let quote = match q.quote.and_then(|q| q.parse::<i64>().ok()) {
        Some(reply_id) => replies::quote_of(&state.db, post.id, reply_id).await?,
        None => None,
    };
    thread_page(&state, viewer, post, channel, String::new(), quote, FormErrors::new()).await
}

pub async fn edit_post_form(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<EditPostPage> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    if !policy::can_edit(&actor, &channel.facts(&actor), &post.facts()) {
        return Err(AppError::Forbidden);
    }
    Ok(EditPostPage {
        ctx: viewer.ctx,
        post_id: post.id,
        composer: Composer {
            kind: post.kind.as_str().to_owned(),
            title: post.title,
            url: post.url.unwrap_or_default(),
            body: post.body_md,
            ..Composer::default()
        },
    })
}

pub async fn update_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    if !policy::can_edit(&actor, &channel.facts(&actor), &post.facts()) {
        return Err(AppError::Forbidden);
    }
    let draft = match checked_draft(&state, &form).await? {
        Ok(draft) => draft,
        Err(errors) => {
            let page = EditPostPage {
                ctx: viewer.ctx,
                post_id: post.id,
                composer: form.composer(errors),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    posts::edit(&state.db, &post, &draft).await?;
    flash(&viewer.session, "Your changes are saved.").await;
    Ok(see_other(&format!("/p/{}", post.id)))
}

pub async fn delete_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    if !policy::can_delete(&actor, &channel.facts(&actor), &post.facts()) {
        return Err(AppError::Forbidden);
    }
    posts::delete(&state.db, &actor, &post).await?;
    flash(&viewer.session, "The post was deleted. A notice remains in its thread.").await;
    Ok(see_other(&format!("/c/{}", channel.slug)))
}
