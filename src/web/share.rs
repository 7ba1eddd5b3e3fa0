//! Sharing a link into one or more channels: the share form the bookmarklet
//! opens (and the curator's inbox will reuse), with "already shared" and
//! site-list warnings.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::post::{LinkUrl, PostDraft};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::store::posts;
use crate::store::sites::{self, SiteKind};
use crate::views::{ShareChannel, SharePage};

#[derive(Deserialize, Default)]
pub struct ShareQuery {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize, Default)]
pub struct ShareForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    /// Slugs of the chosen channels (a repeated field).
    #[serde(default)]
    channel: Vec<String>,
}

/// Channels the viewer may post in, by name.
async fn postable(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Channel>> {
    let actor = viewer.actor();
    Ok(channels::directory(&state.db, &actor)
        .await?
        .into_iter()
        .map(|s| s.channel)
        .filter(|c| policy::can_post_in(&actor, &c.facts(&actor)))
        .collect())
}

async fn share_page(state: &AppState, viewer: Viewer, form: ShareForm, mut errors: FormErrors) -> AppResult<SharePage> {
    let actor = viewer.actor();
    let choices = postable(state, &viewer).await?;
    let mut site_note = None;
    let mut shared_before = Vec::new();
    if let Ok(link) = LinkUrl::parse(&form.url) {
        match sites::rule_for(&state.db, &link.domain()).await? {
            Some(rule) if rule.kind == SiteKind::Blocked => {
                errors.add("url", super::posts::blocked_message(&rule));
            }
            Some(rule) => site_note = Some(format!("✓ {} is an approved source.", rule.domain)),
            None => {}
        }
        let readable = channels::readable_ids(&state.db, &actor).await?;
        shared_before = posts::shared_before(&state.db, &link.canonical(), &readable).await?;
    }
    let channels = choices
        .into_iter()
        .map(|c| ShareChannel {
            checked: form.channel.contains(&c.slug),
            slug: c.slug,
            name: c.name,
        })
        .collect();
    let bookmarklet = format!(
        "javascript:location.href='{}/share?url='+encodeURIComponent(location.href)+'&title='+encodeURIComponent(document.title)",
        state.public_base()
    );
    Ok(SharePage {
        ctx: viewer.ctx,
        url: form.url,
        title: form.title,
        body: form.body,
        channels,
        errors,
        site_note,
        shared_before,
        bookmarklet,
    })
}

pub async fn show_share(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ShareQuery>,
) -> AppResult<SharePage> {
    let form = ShareForm {
        url: q.url,
        title: q.title,
        ..ShareForm::default()
    };
    share_page(&state, viewer, form, FormErrors::new()).await
}

pub async fn share(State(state): State<AppState>, viewer: Viewer, Form(form): Form<ShareForm>) -> AppResult<Response> {
    let actor = viewer.actor();
    let (draft, mut errors) = match PostDraft::parse("link", &form.title, &form.url, &form.body) {
        Ok(draft) => (Some(draft), FormErrors::new()),
        Err(errors) => (None, errors),
    };
    let choices = postable(&state, &viewer).await?;
    let chosen: Vec<&Channel> = choices.iter().filter(|c| form.channel.contains(&c.slug)).collect();
    if chosen.is_empty() {
        errors.add("channels", "Choose at least one channel to share into.");
    }
    if let Some(link) = draft.as_ref().and_then(|d| d.link.as_ref())
        && let Some(rule) = sites::rule_for(&state.db, &link.domain()).await?
        && rule.kind == SiteKind::Blocked
    {
        errors.add("url", super::posts::blocked_message(&rule));
    }
    let Some(draft) = draft.filter(|_| errors.is_empty()) else {
        // share_page re-checks the site lists; avoid saying the same thing twice.
        let page = share_page(&state, viewer, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let mut first = None;
    for channel in &chosen {
        let id = posts::create(&state.db, actor.user_id, channel, &draft).await?;
        first.get_or_insert(id);
    }
    let names: Vec<String> = chosen.iter().map(|c| format!("#{}", c.slug)).collect();
    flash(&viewer.session, &format!("Shared to {}.", names.join(", "))).await;
    match (chosen.len(), first) {
        (1, Some(id)) => Ok(see_other(&format!("/p/{id}"))),
        _ => Ok(see_other("/")),
    }
}
