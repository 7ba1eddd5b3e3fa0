//! Posts: creating one in a channel, its thread page, editing and deleting.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{postable_channel, readable_post, readable_thread};
use super::extract::{Confirmed, Id, Viewer, flash};
use super::pages::{channel_page, newest_channel, thread_page};
use super::see_other;
use crate::domain::cursor::PageAt;
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, Refusal};
use crate::domain::post::{LinkUrl, PostDraft, PostKind};
use crate::domain::time::now;
use crate::error::{AppError, AppResult};
use crate::ingest::preview;
use crate::state::AppState;
use crate::store::posts::{self};
use crate::store::replies::{self};
use crate::store::sites::{self, SiteKind};
use crate::views::ConfirmPage;
use crate::views::posts::{Composer, EditPostPage, ThreadPage};

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
            let newest = newest_channel(&state, &viewer, &channel.slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let page = channel_page(&state, viewer, &newest, PageAt::Newest, composer).await?;
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
        return Ok(Err(FormErrors::with("url", rule.blocked_message())));
    }
    Ok(Ok(draft))
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
            Some(rule) if rule.kind == SiteKind::Blocked => composer.errors.add("url", rule.blocked_message()),
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
    let newest = newest_channel(&state, &viewer, &channel.slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = channel_page(&state, viewer, &newest, PageAt::Newest, composer).await?;
    Ok((status, page).into_response())
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
    let head = readable_thread(&state, &viewer, id).await?;
    let quote = match q.quote.and_then(|q| q.parse::<i64>().ok()) {
        Some(reply_id) => replies::quote_of(&state.db, head.post.id, reply_id).await?,
        None => None,
    };
    thread_page(viewer, head, String::new(), quote, FormErrors::new())
}

pub async fn edit_post_form(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<EditPostPage> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    if !policy::can_edit(&actor, &facts, &post.facts()) {
        return Err(AppError::Forbidden(Refusal::for_content(
            &facts,
            &post.facts(),
            Refusal::AuthorOnly,
        )));
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
    let facts = channel.facts(&actor);
    if !policy::can_edit(&actor, &facts, &post.facts()) {
        return Err(AppError::Forbidden(Refusal::for_content(
            &facts,
            &post.facts(),
            Refusal::AuthorOnly,
        )));
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

/// Delete a post once the person has confirmed; until then (and when its
/// address is opened) ask.
pub async fn delete_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let content = post.facts();
    if !policy::can_delete(&actor, &channel.facts(&actor), &content) {
        return Err(AppError::Forbidden(if content.deleted {
            Refusal::Closed
        } else {
            Refusal::AuthorOrAdmin
        }));
    }
    if !confirmed {
        let page = ConfirmPage {
            ctx: viewer.ctx,
            title: "Delete this post?".into(),
            detail: format!(
                "“{}” leaves #{}, timelines and search, and its thread closes. You can restore it from its thread for {} days.",
                post.title,
                channel.slug,
                policy::RESTORE_DAYS
            ),
            action: format!("/p/{}/delete", post.id),
            button: "Delete post".into(),
            back: format!("/p/{}", post.id),
        };
        return Ok(page.into_response());
    }
    posts::delete(&state.db, &actor, &post).await?;
    flash(&viewer.session, "The post was deleted.").await;
    Ok(see_other(&format!("/p/{}", post.id)))
}

/// Bring back a deleted post (its author, or an administrator, for a while).
pub async fn restore_post(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let content = post.facts();
    let Some(deletion) = post.deletion else {
        return Ok(see_other(&format!("/p/{}", post.id)));
    };
    policy::may_restore(&actor, &facts, &content, deletion, now()).map_err(AppError::Forbidden)?;
    posts::restore(&state.db, &actor, &post).await?;
    flash(&viewer.session, "The post is back, with its replies and reactions.").await;
    Ok(see_other(&format!("/p/{}", post.id)))
}
