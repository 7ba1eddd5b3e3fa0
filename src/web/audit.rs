//! The audit log, read-only: who did what to what, when; filtered by who,
//! what and which days, and as CSV for the records.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use super::extract::Viewer;
use crate::domain::audit::AuditAction;
use crate::domain::form::FormErrors;
use crate::domain::time::When;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::audit::{self, Entry, Filter};
use crate::store::users;
use crate::views::admin::{AuditLine, AuditPage};

/// Entries a page shows.
const PAGE: u64 = 100;
/// The most a CSV export holds.
const CSV_MAX: u64 = 100_000;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

impl AuditQuery {
    /// The same filter as a query string (without `before`).
    fn query_string(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                pairs.append_pair(key, value.trim());
            }
        }
        let query = pairs.finish();
        if query.is_empty() { query } else { format!("?{query}") }
    }
}

/// The filter the query asks for, or the form's errors.
async fn filter(state: &AppState, q: &AuditQuery) -> AppResult<Result<Filter, FormErrors>> {
    let mut errors = FormErrors::new();
    let mut filter = Filter {
        before: q.before,
        ..Filter::default()
    };
    let actor = q.actor.trim().to_lowercase();
    if !actor.is_empty() {
        match users::account_by_email(&state.db, &actor).await? {
            Some(account) => filter.actor_id = Some(account.id),
            None => errors.add("actor", "Nobody has that email address."),
        }
    }
    if !q.action.trim().is_empty() {
        match AuditAction::parse(q.action.trim()) {
            Some(action) => filter.action = Some(action),
            None => errors.add("action", "Choose an action from the list."),
        }
    }
    let tz = state.settings.curation.timezone;
    let day = |raw: &str, field: &'static str, errors: &mut FormErrors| {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(day) => tz
                .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc)),
            Err(_) => {
                errors.add(field, "Write the day as YYYY-MM-DD, for example 2026-11-23.");
                None
            }
        }
    };
    filter.from = day(&q.from, "from", &mut errors);
    // "To" includes that whole day.
    filter.until = day(&q.to, "to", &mut errors).map(|t| t + chrono::Duration::days(1));
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && until <= from
    {
        errors.add("to", "The last day is before the first.");
    }
    Ok(if errors.is_empty() { Ok(filter) } else { Err(errors) })
}

fn who(entry: &Entry) -> String {
    match (&entry.actor_name, &entry.actor_email) {
        (Some(name), Some(email)) => format!("{name} ({email})"),
        _ => "the system or the command line".to_owned(),
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let actions = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
    let (entries, older, errors) = match filter(&state, &q).await? {
        Ok(filter) => {
            let entries = audit::list(&state.db, &filter, PAGE).await?;
            let older = (entries.len() as u64 == PAGE).then(|| {
                let base = q.query_string();
                let sep = if base.is_empty() { "?" } else { "&" };
                format!("/audit{base}{sep}before={}", entries.last().map_or(0, |e| e.id))
            });
            (entries, older, FormErrors::new())
        }
        Err(errors) => (Vec::new(), None, errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AuditPage {
        ctx: viewer.ctx.in_section("admin"),
        csv_query: q.query_string(),
        actor: q.actor.trim().to_owned(),
        action: q.action.trim().to_owned(),
        from: q.from.trim().to_owned(),
        to: q.to.trim().to_owned(),
        actions,
        entries: entries
            .iter()
            .map(|e| AuditLine {
                when: When::new(e.created_at),
                who: who(e),
                action: e.action.clone(),
                target: e.target.clone(),
                detail: e.detail.clone(),
            })
            .collect(),
        older,
        errors,
    };
    Ok((status, page).into_response())
}

pub async fn csv(State(state): State<AppState>, _viewer: Viewer, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let filter = match filter(&state, &q).await? {
        Ok(filter) => filter,
        Err(errors) => {
            let message = errors
                .iter()
                .next()
                .map_or("That filter does not work.", |(_, m)| m)
                .to_owned();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, message).into_response());
        }
    };
    let entries = audit::list(&state.db, &filter, CSV_MAX).await?;
    let rows = entries.iter().map(|e| {
        vec![
            e.id.to_string(),
            e.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            e.actor_email.clone().unwrap_or_default(),
            e.actor_name.clone().unwrap_or_default(),
            e.action.clone(),
            e.target.clone(),
            e.detail.clone(),
        ]
    });
    Ok(super::csv::download(
        "commonroom-audit.csv",
        "id,when,actor_email,actor_name,action,target,detail",
        rows,
    ))
}
