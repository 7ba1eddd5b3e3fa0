//! Administration: invite links, the blocked/approved site lists, and how
//! the weekly digest's sending went (with the refused addresses to clear).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Confirmed, Id, Viewer, flash};
use super::see_other;
use crate::domain::email::EmailAddress;
use crate::domain::form::FormErrors;
use crate::domain::role::Role;
use crate::domain::site::SiteDomain;
use crate::error::{AppError, AppResult};
use crate::service;
use crate::state::AppState;
use crate::store::sites::{self, SiteKind};
use crate::store::{digest_outbox, invites};
use crate::views::ConfirmPage;
use crate::views::admin::{DigestAdminPage, InvitesPage, RefusalLine, SitesPage, WeekReport};

async fn invites_page(
    state: &AppState,
    viewer: Viewer,
    new_link: Option<String>,
    email: String,
    role: String,
    errors: FormErrors,
) -> AppResult<InvitesPage> {
    Ok(InvitesPage {
        ctx: viewer.ctx.in_section("admin"),
        invites: invites::list(&state.db).await?,
        new_link,
        email,
        role,
        roles: Role::ALL,
        errors,
    })
}

pub async fn list_invites(State(state): State<AppState>, viewer: Viewer) -> AppResult<InvitesPage> {
    invites_page(&state, viewer, None, String::new(), "member".into(), FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn create_invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let email = if form.email.trim().is_empty() {
        None
    } else {
        EmailAddress::parse(&form.email)
            .map_err(|m| errors.add("email", m))
            .ok()
    };
    let role = Role::parse(&form.role).unwrap_or_else(|| {
        errors.add("role", "Choose a role.");
        Role::Member
    });
    if !errors.is_empty() {
        let page = invites_page(&state, viewer, None, form.email, form.role, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let token = invites::create(
        &state.db,
        viewer.id(),
        email.as_ref(),
        role,
        state.settings.auth.invite_days,
    )
    .await?;
    let link = format!("{}/invite/{token}", state.public_base());
    let page = invites_page(
        &state,
        viewer,
        Some(link),
        String::new(),
        "member".into(),
        FormErrors::new(),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

/// A new link for an invite that expired, was withdrawn or went astray: the
/// old link stops working and the new one is shown once, like a new invite.
pub async fn renew_invite(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    let token = invites::renew(&state.db, viewer.id(), id, state.settings.auth.invite_days)
        .await?
        .ok_or(AppError::NotFound)?;
    let link = format!("{}/invite/{token}", state.public_base());
    let page = invites_page(
        &state,
        viewer,
        Some(link),
        String::new(),
        "member".into(),
        FormErrors::new(),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

/// Withdraw an invite once the administrator has confirmed; until then (and
/// when its address is opened) ask.
pub async fn withdraw_invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    if !confirmed {
        let invite = invites::list(&state.db)
            .await?
            .into_iter()
            .find(|i| i.id == id && i.open)
            .ok_or(AppError::NotFound)?;
        let page = ConfirmPage {
            ctx: viewer.ctx.in_section("admin"),
            title: format!("Withdraw the invite for {}?", invite.email),
            detail: "The link sent stops working at once. You can send a new invite later.".into(),
            action: format!("/admin/invites/{id}/withdraw"),
            button: "Withdraw invite".into(),
            back: "/admin/invites".into(),
        };
        return Ok(page.into_response());
    }
    let withdrawn = invites::withdraw(&state.db, viewer.id(), id).await?;
    let message = if withdrawn {
        "The invite was withdrawn; its link no longer works."
    } else {
        "That invite was already used or closed."
    };
    flash(&viewer.session, message).await;
    Ok(see_other("/admin/invites"))
}

async fn sites_page(
    state: &AppState,
    viewer: Viewer,
    domain: String,
    kind: String,
    note: String,
    errors: FormErrors,
) -> AppResult<SitesPage> {
    let (blocked, approved) = sites::list(&state.db)
        .await?
        .into_iter()
        .partition(|r| r.kind == SiteKind::Blocked);
    Ok(SitesPage {
        ctx: viewer.ctx.in_section("sites"),
        blocked,
        approved,
        domain,
        kind,
        note,
        errors,
    })
}

pub async fn list_sites(State(state): State<AppState>, viewer: Viewer) -> AppResult<SitesPage> {
    sites_page(
        &state,
        viewer,
        String::new(),
        "blocked".into(),
        String::new(),
        FormErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

pub async fn put_site(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SiteForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let domain = SiteDomain::parse(&form.domain)
        .map_err(|m| errors.add("domain", m))
        .ok();
    let kind = SiteKind::parse(&form.kind).or_else(|| {
        errors.add("kind", "Choose whether to block or approve the site.");
        None
    });
    if form.note.trim().chars().count() > 300 {
        errors.add("note", "Keep the note under 300 characters.");
    }
    let (Some(domain), Some(kind)) = (domain, kind) else {
        let page = sites_page(&state, viewer, form.domain, form.kind, form.note, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if !errors.is_empty() {
        let page = sites_page(&state, viewer, form.domain, form.kind, form.note, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    sites::put(&state.db, viewer.id(), &domain, kind, &form.note).await?;
    let message = match kind {
        SiteKind::Blocked => format!("{domain} and its subdomains are blocked: links to them cannot be shared."),
        SiteKind::Approved => format!("{domain} and its subdomains are marked as approved sources."),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other("/admin/sites"))
}

pub async fn remove_site(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    match sites::remove(&state.db, viewer.id(), id).await? {
        Some(domain) => flash(&viewer.session, &format!("{domain} is no longer on either list.")).await,
        None => flash(&viewer.session, "That site was already removed.").await,
    }
    Ok(see_other("/admin/sites"))
}

/// How many recent weeks the digest page counts.
const DIGEST_WEEKS: u64 = 8;

/// The latest weeks' sending, and the addresses the mail server refused.
pub async fn show_digest(State(state): State<AppState>, viewer: Viewer) -> AppResult<DigestAdminPage> {
    let mut weeks = Vec::new();
    for week in digest_outbox::recent_weeks(&state.db, DIGEST_WEEKS).await? {
        weeks.push(WeekReport::new(week, &digest_outbox::summary(&state.db, week).await?));
    }
    let refusals = digest_outbox::refusals(&state.db)
        .await?
        .into_iter()
        .map(RefusalLine::new)
        .collect();
    Ok(DigestAdminPage {
        ctx: viewer.ctx.in_section("mail"),
        weeks,
        refusals,
    })
}

/// Let mail go to a refused address again, once the administrator has
/// confirmed; until then (and when its address is opened) ask.
pub async fn clear_refusal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(email): Path<String>,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    if !confirmed {
        let refusal = digest_outbox::refusal(&state.db, &email)
            .await?
            .ok_or(AppError::NotFound)?;
        let page = ConfirmPage {
            ctx: viewer.ctx.within_section("mail"),
            title: format!("Let mail go to {} again?", refusal.email),
            detail: format!(
                "The mail server refused it for good ({} {}). The next digest is sent to it; if the address is still \
                 wrong, the mail server refuses it again and it is listed again.",
                refusal.code, refusal.reason
            ),
            action: RefusalLine::clear_path(&refusal.email),
            button: "Clear refusal".into(),
            back: "/admin/digest".into(),
        };
        return Ok(page.into_response());
    }
    let message = match service::digest::clear_refusal(&state.db, viewer.id(), &email).await? {
        Some(refusal) => format!("Mail can go to {} again.", refusal.email),
        None => "That address was already cleared.".to_owned(),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other("/admin/digest"))
}
