//! Reacting to posts and replies. With htmx the buttons swap in place;
//! without JavaScript the form posts and the page comes back where it was.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::{readable_post, readable_reply};
use super::extract::{Id, Viewer, local_path};
use super::see_other;
use crate::domain::policy::{self, Refusal};
use crate::domain::reaction::ReactionKind;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::reactions::{self, Target};
use crate::views::posts::ReactionsPartial;

#[derive(Deserialize)]
pub struct ReactForm {
    kind: String,
}

/// Where to send a no-JavaScript reaction back to: the page it came from, if it is ours.
fn back_to(headers: &HeaderMap, fallback: &str) -> String {
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let path = match (referer, host) {
        (Some(r), Some(h)) => url::Url::parse(r)
            .ok()
            .filter(|u| {
                let authority = match u.port() {
                    Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
                    None => u.host_str().unwrap_or_default().to_owned(),
                };
                authority == h
            })
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            }),
        _ => None,
    };
    let base = local_path(path.as_deref(), fallback);
    let anchor = fallback.split_once('#').map(|(_, a)| a).unwrap_or_default();
    if base.contains('#') || anchor.is_empty() {
        base
    } else {
        format!("{base}#{anchor}")
    }
}

async fn respond(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    target: Target,
    fallback: String,
) -> AppResult<Response> {
    if viewer.htmx {
        let tallies = match target {
            Target::Post(id) => reactions::for_posts(&state.db, &[id], viewer.id()).await?,
            Target::Reply(id) => reactions::for_replies(&state.db, &[id], viewer.id()).await?,
        }
        .remove(&target.id())
        .unwrap_or_default();
        return Ok(ReactionsPartial {
            on: target,
            tallies,
            can_react: true,
        }
        .into_response());
    }
    Ok(see_other(&back_to(headers, &fallback)))
}

/// Toggle one reaction on a post or reply the viewer may react to.
async fn react(
    state: AppState,
    viewer: Viewer,
    headers: HeaderMap,
    target: Target,
    form: ReactForm,
) -> AppResult<Response> {
    let kind = ReactionKind::parse(&form.kind).ok_or(AppError::BadRequest("Unknown reaction."))?;
    let (content, channel, fallback) = match target {
        Target::Post(id) => {
            let (post, channel) = readable_post(&state, &viewer, id).await?;
            (post.facts(), channel, format!("/p/{id}#post-{id}"))
        }
        Target::Reply(id) => {
            let (reply, channel) = readable_reply(&state, &viewer, id).await?;
            (reply.facts(), channel, format!("/p/{}#reply-{id}", reply.post_id))
        }
    };
    let actor = viewer.actor();
    let facts = channel.facts(&actor);
    if !policy::can_react(&actor, &facts, &content) {
        return Err(AppError::Forbidden(Refusal::for_content(
            &facts,
            &content,
            Refusal::Closed,
        )));
    }
    reactions::toggle(&state.db, target, actor.user_id, kind).await?;
    respond(&state, &viewer, &headers, target, fallback).await
}

pub async fn react_to_post(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Id(id): Id,
    Form(form): Form<ReactForm>,
) -> AppResult<Response> {
    react(state, viewer, headers, Target::Post(id), form).await
}

pub async fn react_to_reply(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Id(id): Id,
    Form(form): Form<ReactForm>,
) -> AppResult<Response> {
    react(state, viewer, headers, Target::Reply(id), form).await
}
