//! The curator's inbox: new items from every feed, one entry per story,
//! filterable by feed, folder and words; dismiss and restore (htmx or plain
//! forms); sharing goes through the share form. Curators only: `router.rs`
//! keeps everyone else out.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Id, Viewer, local_path};
use super::see_other;
use crate::domain::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::inbox::{self, Filter};
use crate::store::{channels, feeds, posts};
use crate::views::Choice;
use crate::views::inbox::InboxPage;

#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    #[serde(default)]
    feed: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    view: String,
    before: Option<String>,
}

impl InboxQuery {
    fn filter(&self) -> Filter {
        Filter {
            feed_id: self.feed.parse().ok(),
            folder: Some(self.folder.trim().to_owned()).filter(|f| !f.is_empty()),
            words: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            dismissed: self.view == "dismissed",
        }
    }

    /// The query string for these filters (without the cursor).
    fn query_string(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("feed", &self.feed),
            ("folder", &self.folder),
            ("q", &self.q),
            ("view", &self.view),
        ] {
            if !v.trim().is_empty() {
                pairs.append_pair(k, v.trim());
            }
        }
        pairs.finish()
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

pub async fn show_inbox(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InboxQuery>,
) -> AppResult<InboxPage> {
    let actor = viewer.actor();
    let filter = q.filter();
    let readable = channels::readable_ids(&state.db, &actor).await?;
    let before = q.before.as_deref().and_then(Cursor::decode);
    let days = state.settings.curation.inbox_window_days();
    let page = inbox::list(&state.db, &filter, before, chrono::Duration::days(days), &readable).await?;
    let all_feeds = feeds::list(&state.db).await?;
    let feed_choices = all_feeds
        .iter()
        .map(|f| Choice {
            value: f.id.to_string(),
            label: f.title.clone(),
            selected: filter.feed_id == Some(f.id),
        })
        .collect();
    let folder_choices = feeds::folders(&state.db)
        .await?
        .into_iter()
        .map(|f| Choice {
            selected: filter.folder.as_deref() == Some(f.as_str()),
            value: f.clone(),
            label: f,
        })
        .collect();
    let query = q.query_string();
    let next_url = page.next.map(|c| {
        let sep = if query.is_empty() { "?" } else { "&" };
        format!("{}{sep}before={}", with_query("/inbox", &query), c.encode())
    });
    let here = match &q.before {
        Some(b) => {
            let sep = if query.is_empty() { "?" } else { "&" };
            format!("{}{sep}before={b}", with_query("/inbox", &query))
        }
        None => with_query("/inbox", &query),
    };
    Ok(InboxPage {
        ctx: viewer.ctx.in_section("inbox"),
        entries: page.entries,
        feeds: feed_choices,
        folders: folder_choices,
        words: q.q.trim().to_owned(),
        dismissed_view: filter.dismissed,
        inbox_days: days,
        here,
        next_url,
        is_first_page: before.is_none(),
        has_feeds: !all_feeds.is_empty(),
        scheduled: posts::scheduled_by(&state.db, &actor).await?,
    })
}

#[derive(Deserialize, Default)]
pub struct BackForm {
    back: Option<String>,
}

/// Take an entry out of the inbox. htmx gets an empty answer (the entry is
/// removed in place); a plain form goes back to the page it came from.
pub async fn dismiss(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<BackForm>,
) -> AppResult<Response> {
    set(&state, &viewer, id, true, form).await
}

pub async fn restore(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<BackForm>,
) -> AppResult<Response> {
    set(&state, &viewer, id, false, form).await
}

async fn set(state: &AppState, viewer: &Viewer, id: i64, dismissed: bool, form: BackForm) -> AppResult<Response> {
    let actor = viewer.actor();
    if !inbox::set_dismissed(&state.db, id, dismissed.then_some(actor.user_id)).await? {
        return Err(AppError::NotFound);
    }
    if viewer.htmx {
        return Ok(Html("").into_response());
    }
    Ok(see_other(&local_path(form.back.as_deref(), "/inbox")))
}
