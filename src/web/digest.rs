//! The digest's pages: each reader's archive of their own digests (and an
//! email-only subscriber's, by the signed link in their email), and for
//! curators the editor's note for the coming digest and a preview of anyone's.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::readable_post;
use super::extract::{Id, MaybeViewer, Viewer, flash};
use super::see_other;
use crate::domain::digest::{DigestWeek, Frequency};
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, Refusal};
use crate::error::{AppError, AppResult};
use crate::service::digest::{self as service, PreviewError, next_week};
use crate::state::AppState;
use crate::store::digest;
use crate::views::digest::{ArchiveIndexPage, ArchivePage, DigestView, NotePage, PreviewPage, PreviewShown, WeekLine};
use crate::views::{MessagePage, PageCtx};

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
    let (post, channel) = readable_post(&state, &viewer, id).await?;
    let actor = viewer.actor();
    if !policy::can_feature(&actor, &channel.facts(&actor)) {
        return Err(AppError::Forbidden(Refusal::ManagersOnly));
    }
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

/// A digest address that leads nowhere: said plainly, as a 404.
fn no_digest_here(ctx: PageCtx, title: &str, message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        MessagePage {
            ctx,
            title: title.to_owned(),
            message,
        },
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct ArchiveQuery {
    /// An email-only subscriber's signed token.
    t: Option<String>,
}

/// How many weeks `/digest` lists, the coming one included.
const INDEX_WEEKS: usize = 12;

/// One week's digest: the signed-in reader's own, or with `?t=` the
/// subscriber's whose link it is.
pub async fn show_archive(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(raw): Path<String>,
    Query(query): Query<ArchiveQuery>,
) -> AppResult<Response> {
    let week = match raw.parse::<DigestWeek>() {
        Ok(week) => week,
        Err(why) => {
            return Ok(no_digest_here(
                viewer.ctx,
                "There is no such week",
                format!("{why} Each week's digest has an address like /digest/2026-W47."),
            ));
        }
    };
    let coming = next_week(&state);
    if let Some(token) = query.t.filter(|t| !t.trim().is_empty()) {
        let Some(entry) = service::archive_by_token(&state, &token, week).await? else {
            return Ok(no_digest_here(
                viewer.ctx,
                "This digest link does not work",
                "It may have been cut short by your email program: use the whole \"View in browser\" link from the \
                 email."
                    .to_owned(),
            ));
        };
        return Ok(ArchivePage::new(viewer.ctx, week, entry, false, coming).into_response());
    }
    let Some(user) = viewer.user else {
        return Err(AppError::SignInRequired {
            next: format!("/digest/{week}"),
        });
    };
    let entry = service::archive(&state, &user.actor(), week).await?;
    Ok(ArchivePage::new(viewer.ctx, week, entry, true, coming).into_response())
}

/// The signed-in reader's latest digests, the coming one first.
pub async fn list_archive(State(state): State<AppState>, viewer: Viewer) -> AppResult<ArchiveIndexPage> {
    let weeks = service::history(&state, viewer.id(), INDEX_WEEKS)
        .await?
        .iter()
        .map(|(week, outline)| WeekLine::new(*week, outline))
        .collect();
    let switched_off = digest::preferences(&state.db, viewer.id()).await?.frequency == Frequency::Never;
    Ok(ArchiveIndexPage {
        ctx: viewer.ctx,
        weeks,
        switched_off,
    })
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    email: Option<String>,
    #[serde(default)]
    week: String,
}

/// Anyone's digest as it stands, for curators: the form, and once it names
/// someone, their digest under what they may read.
pub async fn show_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PreviewQuery>,
) -> AppResult<Response> {
    let coming = next_week(&state);
    let mut page = PreviewPage {
        ctx: viewer.ctx.within_section("inbox"),
        email: query.email.clone().unwrap_or_default(),
        week: query.week.clone(),
        week_hint: format!("As YEAR-Wnn. Leave it empty for the coming digest, {coming}."),
        errors: FormErrors::new(),
        message: None,
        shown: None,
    };
    let Some(raw_email) = query.email else {
        return Ok(page.into_response());
    };
    let email = EmailAddress::parse(&raw_email)
        .map_err(|m| page.errors.add("email", m))
        .ok();
    let week = if query.week.trim().is_empty() {
        Some(coming)
    } else {
        query
            .week
            .parse::<DigestWeek>()
            .map_err(|m| page.errors.add("week", m))
            .ok()
    };
    let (Some(email), Some(week)) = (email, week) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    match service::preview(&state, email.as_str(), week).await {
        Err(PreviewError::NoSuchPerson(_)) => {
            page.errors.add(
                "email",
                format!("Nobody has the address {email}. Check it against their profile."),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(PreviewError::Suspended(_)) => {
            page.message = Some(format!("{email}'s account is suspended, so they get no digest."));
        }
        Err(PreviewError::Db(err)) => return Err(err.into()),
        Ok(preview) if preview.contents.is_empty() => {
            page.message = Some(format!(
                "Nothing to send: {email}'s digest for {week} ({}) holds nothing, so no email would go.",
                week.describe()
            ));
        }
        Ok(preview) => {
            page.shown = Some(PreviewShown {
                email: email.to_string(),
                week: week.to_string(),
                week_days: week.describe(),
                subject: preview.subject,
                switched_off: preview.switched_off,
                digest: DigestView::new(&preview.contents),
                text: preview.text,
            });
        }
    }
    Ok(page.into_response())
}
