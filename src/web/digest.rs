//! The digest's pages for curators: the editor's note for the coming digest.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::readable_post;
use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::digest::DigestWeek;
use crate::domain::form::FormErrors;
use crate::domain::policy::Refusal;
use crate::error::{AppError, AppResult};
use crate::service::digest::next_week;
use crate::state::AppState;
use crate::store::digest;
use crate::views::digest::NotePage;

/// Longest note, in characters: a note, not an article.
const NOTE_MAX: usize = 2000;

fn note_page(viewer: Viewer, week: DigestWeek, body: String, errors: FormErrors) -> NotePage {
    NotePage {
        ctx: viewer.ctx.in_section("inbox"),
        week: week.to_string(),
        week_days: week.describe(),
        body,
        errors,
    }
}

pub async fn show_note(State(state): State<AppState>, viewer: Viewer) -> AppResult<NotePage> {
    let week = next_week(&state);
    let body = digest::note(&state.db, week).await?.unwrap_or_default();
    Ok(note_page(viewer, week, body, FormErrors::new()))
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

pub async fn save_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let week = next_week(&state);
    if form.body.trim().chars().count() > NOTE_MAX {
        let errors = FormErrors::with("body", "Keep the note under 2,000 characters.");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            note_page(viewer, week, form.body, errors),
        )
            .into_response());
    }
    digest::save_note(&state.db, viewer.id(), week, &form.body).await?;
    let message = if form.body.trim().is_empty() {
        format!("The digest for {week} has no editor's note.")
    } else {
        format!("Saved: your note opens the digest for {week}.")
    };
    flash(&viewer.session, &message).await;
    Ok(see_other("/digest/note"))
}

#[derive(Deserialize)]
pub struct FeatureForm {
    #[serde(default)]
    featured: String,
}

/// Feature a post in the coming digest (or stop featuring it).
pub async fn feature_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<FeatureForm>,
) -> AppResult<Response> {
    let (post, _) = readable_post(&state, &viewer, id).await?;
    if post.deleted.is_some() || post.hidden {
        return Err(AppError::Forbidden(Refusal::Closed));
    }
    let week = next_week(&state);
    let featured = form.featured == "yes";
    digest::set_featured(&state.db, viewer.id(), post.id, week, featured).await?;
    let message = if featured {
        format!("Featured: it opens the digest for {week}.")
    } else {
        format!("No longer featured in the digest for {week}.")
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/p/{}", post.id)))
}
