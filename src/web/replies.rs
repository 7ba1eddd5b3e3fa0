//! Replies: adding (optionally quoting), editing and deleting.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{readable_post, readable_reply, readable_thread};
use super::extract::{Confirmed, Id, Viewer, flash};
use super::pages::thread_page;
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, Refusal};
use crate::domain::post::parse_reply_body;
use crate::domain::time::now;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::replies::{self};
use crate::views::ConfirmPage;
use crate::views::posts::EditReplyPage;

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    /// Kept as text: a malformed value just means "no quote".
    quote_of: Option<String>,
}

impl ReplyForm {
    fn quote_of(&self) -> Option<i64> {
        self.quote_of.as_deref().and_then(|q| q.parse().ok())
    }
}

pub async fn create_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(post_id): Id,
    Form(form): Form<ReplyForm>,
) -> AppResult<Response> {
    let (post, channel) = readable_post(&state, &viewer, post_id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    policy::may_reply_in(&actor, &facts, &post.facts()).map_err(AppError::Forbidden)?;
    let body = match parse_reply_body(&form.body) {
        Ok(body) => body,
        Err(errors) => {
            let quote = match form.quote_of() {
                Some(q) => replies::quote_of(&state.db, post.id, q).await?,
                None => None,
            };
            let head = readable_thread(&state, &viewer, post_id).await?;
            let page = thread_page(viewer, head, form.body.clone(), quote, errors)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let reply_id = replies::create(&state.db, post.id, actor.user_id, &body, form.quote_of()).await?;
    Ok(see_other(&format!("/p/{}#reply-{reply_id}", post.id)))
}

pub async fn edit_reply_form(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<EditReplyPage> {
    let (reply, channel) = readable_reply(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    if !policy::can_edit(&actor, &facts, &reply.facts()) {
        return Err(AppError::Forbidden(Refusal::for_content(
            &facts,
            &reply.facts(),
            Refusal::AuthorOnly,
        )));
    }
    Ok(EditReplyPage {
        ctx: viewer.ctx,
        reply_id: reply.id,
        post_id: reply.post_id,
        body: reply.body_md,
        errors: FormErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct EditReplyForm {
    #[serde(default)]
    body: String,
}

pub async fn update_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<EditReplyForm>,
) -> AppResult<Response> {
    let (reply, channel) = readable_reply(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    if !policy::can_edit(&actor, &facts, &reply.facts()) {
        return Err(AppError::Forbidden(Refusal::for_content(
            &facts,
            &reply.facts(),
            Refusal::AuthorOnly,
        )));
    }
    let body = match parse_reply_body(&form.body) {
        Ok(body) => body,
        Err(errors) => {
            let page = EditReplyPage {
                ctx: viewer.ctx,
                reply_id: reply.id,
                post_id: reply.post_id,
                body: form.body,
                errors,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    replies::edit(&state.db, &reply, &body).await?;
    flash(&viewer.session, "Your reply is updated.").await;
    Ok(see_other(&format!("/p/{}#reply-{}", reply.post_id, reply.id)))
}

/// Delete a reply once the person has confirmed; until then (and when its
/// address is opened) ask.
pub async fn delete_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let (reply, channel) = readable_reply(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let content = reply.facts();
    if !policy::can_delete(&actor, &channel.facts(&actor), &content) {
        return Err(AppError::Forbidden(if content.deleted {
            Refusal::Closed
        } else {
            Refusal::AuthorOrAdmin
        }));
    }
    let at = format!("/p/{}#reply-{}", reply.post_id, reply.id);
    if !confirmed {
        let page = ConfirmPage {
            ctx: viewer.ctx,
            title: "Delete this reply?".into(),
            detail: format!(
                "A note that it was deleted takes its place in the thread. You can restore it for {} days.",
                policy::RESTORE_DAYS
            ),
            action: format!("/r/{}/delete", reply.id),
            button: "Delete reply".into(),
            back: at,
        };
        return Ok(page.into_response());
    }
    replies::delete(&state.db, &actor, &reply).await?;
    flash(&viewer.session, "The reply was deleted.").await;
    Ok(see_other(&at))
}

/// Bring back a deleted reply (its author, or an administrator, for a while).
pub async fn restore_reply(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let (reply, channel) = readable_reply(&state, &viewer, id).await?;
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    let content = reply.facts();
    let at = format!("/p/{}#reply-{}", reply.post_id, reply.id);
    let Some(deletion) = reply.deletion else {
        return Ok(see_other(&at));
    };
    policy::may_restore(&actor, &facts, &content, deletion, now()).map_err(AppError::Forbidden)?;
    replies::restore(&state.db, &actor, &reply).await?;
    flash(&viewer.session, "The reply is back.").await;
    Ok(see_other(&at))
}

/// A reply's own address leads to it in its thread.
pub async fn show_reply(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let (reply, _) = readable_reply(&state, &viewer, id).await?;
    Ok(see_other(&format!("/p/{}#reply-{}", reply.post_id, reply.id)))
}
