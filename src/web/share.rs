//! Sharing a link into one or more channels: the share form the bookmarklet
//! and the curator's inbox open, with "already shared" and site-list
//! warnings, and (for curators) a time to publish later.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use super::extract::{Viewer, flash};
use super::see_other;
use crate::domain::form::FormErrors;
use crate::domain::policy;
use crate::domain::post::{LinkUrl, PostDraft, PostKind};
use crate::error::{AppError, AppResult};
use crate::service::sharing::{self, Share};
use crate::state::AppState;
use crate::store::channels::{self, Channel};
use crate::store::inbox;
use crate::store::posts::{self};
use crate::store::sites::{self, SiteKind};
use crate::views::share::{ShareChannel, SharePage};

#[derive(Deserialize, Default)]
pub struct ShareQuery {
    #[serde(default)]
    url: String,
    #[serde(default)]
    title: String,
    /// An inbox entry to share (prefills the address and title).
    item: Option<String>,
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
    /// The inbox entry being shared.
    #[serde(default)]
    item: String,
    /// `YYYY-MM-DDTHH:MM` in the organisation's time zone; empty to publish now.
    #[serde(default)]
    publish_at: String,
}

impl ShareForm {
    fn item_id(&self) -> Option<i64> {
        self.item.trim().parse().ok()
    }
}

/// A publication time typed into a `datetime-local` field, read in `tz`:
/// it must be in the future and within a year.
fn parse_publish_at(raw: &str, tz: chrono_tz::Tz) -> Result<Option<DateTime<Utc>>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let at = crate::domain::time::local_datetime(raw, tz)?;
    let now = crate::domain::time::now();
    if at <= now {
        return Err("Choose a time in the future, or leave it empty to share now.");
    }
    if at > now + chrono::Duration::days(366) {
        return Err("Choose a time within the next year.");
    }
    Ok(Some(at.trunc_subsecs(0)))
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
    let story = match form.item_id() {
        Some(id) if policy::can_curate(&actor) => inbox::for_share(&state.db, id).await?,
        _ => None,
    };
    let source_feed = match story.as_ref().and_then(|s| s.feed_id) {
        Some(id) => crate::store::feeds::by_id(&state.db, id).await?.map(|f| f.title),
        None => None,
    };
    if let Ok(link) = LinkUrl::parse(&form.url) {
        match sites::rule_for(&state.db, &link.domain()).await? {
            Some(rule) if rule.kind == SiteKind::Blocked => {
                errors.add("url", rule.blocked_message());
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
        item: story.map(|s| s.id),
        source_feed,
        publish_at: form.publish_at,
        timezone: state.settings.curation.timezone.name().to_owned(),
        can_schedule: policy::can_curate(&actor),
    })
}

pub async fn show_share(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ShareQuery>,
) -> AppResult<SharePage> {
    let mut form = ShareForm {
        url: q.url,
        title: q.title,
        ..ShareForm::default()
    };
    let curates = policy::can_curate(&viewer.actor());
    if let Some(id) = q.item.as_deref().and_then(|i| i.parse().ok()).filter(|_| curates) {
        let story = inbox::for_share(&state.db, id).await?.ok_or(AppError::NotFound)?;
        form.item = story.id.to_string();
        form.url = story.url.clone().unwrap_or_default();
        form.title = story.title.clone();
        if let Some(default) = story.default_channel_id
            && let Some(channel) = channels::by_id(&state.db, default).await?
        {
            form.channel.push(channel.slug);
        }
    }
    share_page(&state, viewer, form, FormErrors::new()).await
}

pub async fn share(State(state): State<AppState>, viewer: Viewer, Form(form): Form<ShareForm>) -> AppResult<Response> {
    let actor = viewer.actor();
    let (draft, mut errors) = match PostDraft::parse(PostKind::Link.as_str(), &form.title, &form.url, &form.body) {
        Ok(draft) => (Some(draft), FormErrors::new()),
        Err(errors) => (None, errors),
    };
    let choices = postable(&state, &viewer).await?;
    let chosen: Vec<&Channel> = choices.iter().filter(|c| form.channel.contains(&c.slug)).collect();
    if chosen.is_empty() {
        errors.add("channels", "Choose at least one channel to share into.");
    }
    let publish_at = match parse_publish_at(&form.publish_at, state.settings.curation.timezone) {
        Ok(at) => at,
        Err(message) => {
            errors.add("publish_at", message);
            None
        }
    };
    if publish_at.is_some() && !policy::can_curate(&actor) {
        errors.add(
            "publish_at",
            "Only curators can schedule posts; leave the time empty to share now.",
        );
    }
    let story = match form.item_id() {
        Some(id) if policy::can_curate(&actor) => inbox::for_share(&state.db, id).await?,
        _ => None,
    };
    if let Some(link) = draft.as_ref().and_then(|d| d.link.as_ref())
        && let Some(rule) = sites::rule_for(&state.db, &link.domain()).await?
        && rule.kind == SiteKind::Blocked
    {
        errors.add("url", rule.blocked_message());
    }
    let Some(draft) = draft.filter(|_| errors.is_empty()) else {
        // share_page re-checks the site lists; avoid saying the same thing twice.
        let page = share_page(&state, viewer, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let channel_ids: Vec<i64> = chosen.iter().map(|c| c.id).collect();
    let shared = sharing::share(
        &state.db,
        Share {
            author_id: actor.user_id,
            draft: &draft,
            channel_ids: &channel_ids,
            publish_at,
            story: story.as_ref(),
        },
    )
    .await?;
    let names: Vec<String> = chosen.iter().map(|c| format!("#{}", c.slug)).collect();
    let message = match publish_at {
        Some(at) => format!(
            "Scheduled for {} in {}.",
            at.with_timezone(&state.settings.curation.timezone)
                .format("%-d %b %Y at %H:%M"),
            names.join(", ")
        ),
        None => format!("Shared to {}.", names.join(", ")),
    };
    flash(&viewer.session, &message).await;
    if story.is_some() {
        return Ok(see_other("/inbox"));
    }
    match shared.as_slice() {
        [id] => Ok(see_other(&format!("/p/{id}"))),
        _ => Ok(see_other("/")),
    }
}
