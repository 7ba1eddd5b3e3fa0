//! The person's own settings: what the weekly digest sends them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Viewer, flash};
use super::see_other;
use crate::domain::digest::{ChannelChoice, DigestPreferences, Frequency};
use crate::domain::form::FormErrors;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{channels, digest};
use crate::views::settings::{DigestChannel, EmailSettingsPage};

/// The page, showing `prefs` (as saved, or as just sent with `errors`).
async fn email_page(
    state: &AppState,
    viewer: Viewer,
    prefs: &DigestPreferences,
    errors: FormErrors,
) -> AppResult<EmailSettingsPage> {
    let channels = channels::directory(&state.db, &viewer.actor())
        .await?
        .into_iter()
        .filter(|s| !s.channel.archived || prefs.channels.contains(&s.channel.id))
        .map(|s| DigestChannel {
            picked: prefs.channels.contains(&s.channel.id),
            id: s.channel.id,
            name: s.channel.name,
            slug: s.channel.slug,
            following: s.following,
        })
        .collect();
    Ok(EmailSettingsPage {
        ctx: viewer.ctx,
        weekly: prefs.frequency == Frequency::Weekly,
        picked: prefs.choice == ChannelChoice::Picked,
        channels,
        errors,
        account: true,
    })
}

pub async fn show_email(State(state): State<AppState>, viewer: Viewer) -> AppResult<EmailSettingsPage> {
    let prefs = digest::preferences(&state.db, viewer.id()).await?;
    email_page(&state, viewer, &prefs, FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    choice: String,
    /// Channel ids, as ticked.
    #[serde(default)]
    channel: Vec<String>,
}

pub async fn save_email(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    // Only channels the person can read now can be picked; anything else
    // in the form (an old page, a made-up id) is left out.
    let readable = channels::readable_ids(&state.db, &viewer.actor()).await?;
    let mut picked: Vec<i64> = form
        .channel
        .iter()
        .filter_map(|raw| raw.parse().ok())
        .filter(|id| readable.contains(id))
        .collect();
    picked.sort_unstable();
    picked.dedup();
    let prefs = DigestPreferences {
        frequency: Frequency::parse(&form.frequency).unwrap_or_default(),
        choice: ChannelChoice::parse(&form.choice).unwrap_or_default(),
        channels: picked,
    };
    if prefs.frequency == Frequency::Weekly && prefs.choice == ChannelChoice::Picked && prefs.channels.is_empty() {
        let errors = FormErrors::with(
            "channels",
            "Tick at least one channel, or choose the channels you follow, or choose Never.",
        );
        let page = email_page(&state, viewer, &prefs, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    digest::save_preferences(&state.db, viewer.id(), &prefs).await?;
    let message = match prefs.frequency {
        Frequency::Weekly => "Saved. Your weekly digest will follow these settings.",
        Frequency::Never => "Saved. You will not get the weekly digest.",
    };
    flash(&viewer.session, message).await;
    Ok(see_other("/settings/email"))
}
