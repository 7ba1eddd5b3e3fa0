//! A person's notifications (`/notifications`): the list, marking one or
//! all read, and their choices per kind (`/settings/notifications`).
//! `/notices`, the older address, leads here.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::notification::{Delivery, NotificationKind};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::notifications;
use crate::views::notifications::{KindChoice, NotificationSettingsPage, NotificationsPage};

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<NotificationsPage> {
    let notifications = notifications::list(&state.db, &viewer.actor()).await?;
    let markable = notifications.iter().filter(|n| !n.read && !n.must_acknowledge).count();
    Ok(NotificationsPage {
        notifications,
        markable,
        ctx: viewer.ctx.in_section("notifications"),
    })
}

/// The older address of the list.
pub async fn old_address() -> Response {
    Redirect::permanent("/notifications").into_response()
}

/// Mark one read (or acknowledge a warning); only one's own (anyone else's
/// is not there). A second click finds it read already: that is fine.
pub async fn read_one(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    if !notifications::mark_read(&state.db, viewer.id(), id).await?
        && !notifications::is_theirs(&state.db, viewer.id(), id).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/notifications"))
}

/// Mark every notification read, except warnings, which are acknowledged one by one.
pub async fn read_all(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    let marked = notifications::mark_all_read(&state.db, viewer.id()).await?;
    let message = match marked {
        0 => "Nothing was unread.".to_owned(),
        1 => "1 notification marked as read.".to_owned(),
        n => format!("{n} notifications marked as read."),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other("/notifications"))
}

async fn settings_page(state: &AppState, viewer: Viewer) -> AppResult<NotificationSettingsPage> {
    let chosen = notifications::deliveries(&state.db, viewer.id()).await?;
    let kinds = NotificationKind::CHOSEN
        .into_iter()
        .map(|kind| KindChoice {
            kind,
            current: chosen.get(&kind).copied().unwrap_or_default(),
            options: [Delivery::Off, Delivery::App, Delivery::Email]
                .into_iter()
                .filter(|d| d.allowed_for(kind) == *d)
                .collect(),
        })
        .collect();
    Ok(NotificationSettingsPage { ctx: viewer.ctx, kinds })
}

pub async fn show_settings(State(state): State<AppState>, viewer: Viewer) -> AppResult<NotificationSettingsPage> {
    settings_page(&state, viewer).await
}

/// Keep the choices sent: each kind by its name (`mention=email`); a kind
/// left out or given something unknown keeps its current choice.
pub async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let choices: Vec<(NotificationKind, Delivery)> = NotificationKind::CHOSEN
        .into_iter()
        .filter_map(|kind| Some((kind, Delivery::parse(form.get(kind.as_str())?)?.allowed_for(kind))))
        .collect();
    notifications::set_deliveries(&state.db, viewer.id(), &choices).await?;
    flash(&viewer.session, "Notification settings saved.").await;
    Ok(see_other("/settings/notifications"))
}
