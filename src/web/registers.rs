//! The coordinators' registers: who holds a licence to post, and every
//! channel with its managers, each as a page and as CSV for the records.
//! `router.rs` keeps them to coordinators and administrators.

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};

use super::csv;
use super::extract::Viewer;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::applications as rows;
use crate::views::community::{ChannelRegisterPage, ContributorsPage};

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A deputy's last day of cover in `tz`, as the form took it (`2026-06-12`):
/// their cover ends when that day does, so the moment itself is the next day's start.
fn last_day(end: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    (end.with_timezone(&tz) - chrono::Duration::seconds(1))
        .format("%Y-%m-%d")
        .to_string()
}

pub async fn contributors(State(state): State<AppState>, viewer: Viewer) -> AppResult<ContributorsPage> {
    Ok(ContributorsPage {
        contributors: rows::contributors(&state.db).await?,
        open_posting: viewer.actor().open_posting,
        ctx: viewer.ctx.within_section("applications"),
    })
}

pub async fn contributors_csv(State(state): State<AppState>, _viewer: Viewer) -> AppResult<Response> {
    let lines = rows::contributors(&state.db).await?.into_iter().map(|c| {
        vec![
            c.name,
            c.email,
            c.department,
            stamp(c.since),
            c.approved_by.unwrap_or_else(|| "given by an administrator".to_owned()),
            c.channels
                .iter()
                .map(|ch| ch.slug.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ]
    });
    Ok(csv::download(
        "commonroom-contributors.csv",
        "name,email,department,since,approved_by,channels",
        lines,
    ))
}

pub async fn channels(State(state): State<AppState>, viewer: Viewer) -> AppResult<ChannelRegisterPage> {
    Ok(ChannelRegisterPage {
        channels: rows::channel_register(&state.db).await?,
        tz: state.settings.curation.timezone,
        ctx: viewer.ctx.within_section("applications"),
    })
}

pub async fn channels_csv(State(state): State<AppState>, _viewer: Viewer) -> AppResult<Response> {
    let tz = state.settings.curation.timezone;
    let lines = rows::channel_register(&state.db).await?.into_iter().map(|c| {
        vec![
            c.name.clone(),
            c.slug.clone(),
            c.visibility.as_str().to_owned(),
            if c.archived { "archived" } else { "active" }.to_owned(),
            c.managers
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            c.deputies
                .iter()
                .map(|m| {
                    let until = m.until.map(|u| last_day(u, tz)).unwrap_or_default();
                    format!("{} until {until}", m.name)
                })
                .collect::<Vec<_>>()
                .join("; "),
            stamp(c.created_at),
            c.last_post.map(stamp).unwrap_or_default(),
        ]
    });
    Ok(csv::download(
        "commonroom-channels.csv",
        "name,slug,visibility,status,managers,deputies,created,last_post",
        lines,
    ))
}
