//! Search: the results page, the same results as JSON, and suggestions as
//! you type. Every search starts from what the reader may read *now* (read
//! from the database on this request); the index never decides that.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::extract::{MaybeViewer, Viewer};
use crate::domain::handle::Handle;
use crate::domain::policy::Actor;
use crate::domain::search::{DocKind, Hit};
use crate::domain::time::When;
use crate::error::AppResult;
use crate::search::query::{self, SearchQuery};
use crate::search::searcher::{self, AccessCheck, Request, Sort};
use crate::search::{SearchIndex, Status};
use crate::state::AppState;
use crate::store::channels::{self, SearchScope};
use crate::store::users::{self, PersonChip};
use crate::views::PageCtx;
use crate::views::search::{SearchPage, SearchResult, SuggestionsPartial};

const PER_PAGE: usize = 20;
const API_MAX_PER_PAGE: usize = 50;
/// Results beyond this are not paged to (narrow the search instead).
const MAX_RESULTS: usize = 1_000;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub per_page: Option<String>,
}

impl SearchParams {
    fn sort(&self) -> Sort {
        if self.sort == "newest" {
            Sort::Newest
        } else {
            Sort::Relevance
        }
    }

    fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .unwrap_or(1)
            .max(1)
    }

    fn per_page(&self, max: usize) -> usize {
        self.per_page
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .unwrap_or(PER_PAGE)
            .clamp(1, max)
    }
}

/// What one search came to, before it is shown as a page or as JSON.
enum Outcome {
    /// Nothing was asked.
    Empty,
    /// The query could not be understood (or names a channel or person that is not there).
    Invalid(String),
    /// The index is not ready; in words.
    Unavailable(String),
    Found(Found),
}

struct Found {
    total: usize,
    results: Vec<SearchResult>,
    similar: Option<Vec<String>>,
    exact_total: usize,
    /// How a `#word` that is not a channel was taken, in words.
    note: Option<String>,
}

fn unavailable(search: &SearchIndex) -> String {
    match search.status() {
        Status::Rebuilding { done, total } if total > 0 => format!(
            "Search is being rebuilt ({}% done). Please try again in a moment.",
            (done * 100 / total).min(99)
        ),
        Status::Failed(_) => {
            "Search is not working at the moment. The administrators have been told; please try again later.".into()
        }
        _ => "Search is getting ready. Please try again in a moment.".into(),
    }
}

/// A `#word` that names no channel this reader may search was searched for
/// as a word; say so, and offer a channel with a name like it.
fn tag_note(not_channels: &[String], scope: &SearchScope) -> Option<String> {
    let slug = not_channels.first()?;
    let like = scope
        .readable
        .iter()
        .find(|c| c.slug.contains(slug.as_str()) || slug.contains(c.slug.as_str()));
    Some(match like {
        Some(c) => format!(
            "There is no channel #{slug} that you can search, so “#{slug}” was searched for as a word. Did you mean in:#{}?",
            c.slug
        ),
        None => format!("There is no channel #{slug} that you can search, so “#{slug}” was searched for as a word."),
    })
}

/// `in:` and `from:` become ids, from what this reader may read and who exists.
fn resolve_channels(q: &SearchQuery, scope: &SearchScope) -> Result<Vec<i64>, String> {
    q.channels
        .iter()
        .map(|slug| {
            scope.by_slug(slug).map(|c| c.id).ok_or_else(|| {
                format!("There is no channel #{slug} that you can search. Check the name on the Channels page.")
            })
        })
        .collect()
}

async fn resolve_people(state: &AppState, q: &SearchQuery) -> AppResult<Result<Vec<i64>, String>> {
    if q.people.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let mut handles = Vec::new();
    for raw in &q.people {
        match Handle::parse(raw) {
            Some(h) => handles.push(h),
            None => return Ok(Err(format!("“@{raw}” is not a handle. Handles look like @sam.jones."))),
        }
    }
    let found = users::existing_handles(&state.db, &handles).await?;
    for h in &handles {
        if !found.iter().any(|(_, handle)| handle == h.as_str()) {
            return Ok(Err(format!("Nobody has the handle @{}.", h.as_str())));
        }
    }
    Ok(Ok(found.into_iter().map(|(id, _)| id).collect()))
}

fn target(hit: &Hit, scope: &SearchScope) -> String {
    match hit.kind {
        DocKind::Reply => format!("/p/{}#reply-{}", hit.thread_id, hit.id),
        DocKind::Channel => scope
            .by_id(hit.id)
            .map_or_else(|| "/channels".into(), |c| format!("/c/{}", c.slug)),
        DocKind::Link | DocKind::Discussion => format!("/p/{}", hit.id),
    }
}

async fn run_search(
    state: &AppState,
    actor: &Actor,
    params: &SearchParams,
    offset: usize,
    limit: usize,
) -> AppResult<Outcome> {
    let text = params.q.trim();
    if text.is_empty() {
        return Ok(Outcome::Empty);
    }
    let mut parsed = match query::parse(text) {
        Ok(q) if q.is_empty() => return Ok(Outcome::Empty),
        Ok(q) => q,
        Err(e) => return Ok(Outcome::Invalid(e.0)),
    };
    let Some(live) = state.search.live() else {
        return Ok(Outcome::Unavailable(unavailable(&state.search)));
    };
    let scope = channels::search_scope(&state.db, actor).await?;
    let not_channels = parsed.settle_tags(|slug| scope.by_slug(slug).is_some());
    let in_channels = match resolve_channels(&parsed, &scope) {
        Ok(ids) => ids,
        Err(message) => return Ok(Outcome::Invalid(message)),
    };
    let authors = match resolve_people(state, &parsed).await? {
        Ok(ids) => ids,
        Err(message) => return Ok(Outcome::Invalid(message)),
    };
    let access = AccessCheck::new(&scope.unreadable, &actor.channels);
    let request = Request {
        query: &parsed,
        channels: &in_channels,
        authors: &authors,
        access: &access,
        sort: params.sort(),
        offset,
        limit,
        snippets: true,
    };
    let found = searcher::search(&live, &request)?;
    let author_ids: Vec<i64> = found.hits.iter().map(|h| h.author_id).collect();
    let people: HashMap<i64, PersonChip> = users::chips_by_ids(&state.db, &author_ids).await?;
    let results = found
        .hits
        .into_iter()
        // The index was filtered by access already; a hit in a channel created
        // since this request read the channel list is left out all the same.
        .filter_map(|hit| {
            let channel = scope.by_id(hit.channel_id)?.clone();
            let author = if hit.kind == DocKind::Channel {
                None
            } else {
                people.get(&hit.author_id).cloned()
            };
            Some(SearchResult {
                href: target(&hit, &scope),
                when: When::new(hit.at),
                author,
                channel,
                hit,
            })
        })
        .collect();
    Ok(Outcome::Found(Found {
        total: found.total,
        results,
        similar: found.similar,
        exact_total: found.exact_total,
        note: tag_note(&not_channels, &scope),
    }))
}

fn page_link(params: &SearchParams, page: usize) -> String {
    let mut url = url::form_urlencoded::Serializer::for_suffix(String::from("/search?"), "/search?".len());
    url.append_pair("q", params.q.trim());
    if params.sort() == Sort::Newest {
        url.append_pair("sort", "newest");
    }
    if page > 1 {
        url.append_pair("page", &page.to_string());
    }
    url.finish()
}

pub async fn show_search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let page = params.page();
    let offset = (page - 1) * PER_PAGE;
    let outcome = if offset >= MAX_RESULTS {
        Outcome::Invalid(format!(
            "Only the first {MAX_RESULTS} results can be paged through. Add words or operators to narrow the search."
        ))
    } else {
        run_search(&state, &viewer.actor(), &params, offset, PER_PAGE).await?
    };
    let mut view = SearchPage {
        ctx: PageCtx {
            // As typed: a suggestion's link ends in a space, ready for the next word.
            query: params.q.clone(),
            ..viewer.ctx.clone().in_section("search")
        },
        q: params.q.clone(),
        newest: params.sort() == Sort::Newest,
        error: None,
        notice: None,
        searched: false,
        total: 0,
        results: Vec::new(),
        similar: None,
        exact_total: 0,
        first: offset + 1,
        prev_url: None,
        next_url: None,
        relevance_url: String::new(),
        newest_url: String::new(),
    };
    view.relevance_url = page_link(
        &SearchParams {
            sort: String::new(),
            ..params.clone()
        },
        1,
    );
    view.newest_url = page_link(
        &SearchParams {
            sort: "newest".into(),
            ..params.clone()
        },
        1,
    );
    let status = match outcome {
        Outcome::Empty => StatusCode::OK,
        Outcome::Invalid(message) => {
            view.error = Some(message);
            StatusCode::OK
        }
        Outcome::Unavailable(message) => {
            view.notice = Some(message);
            StatusCode::SERVICE_UNAVAILABLE
        }
        Outcome::Found(found) => {
            view.searched = true;
            view.total = found.total;
            view.similar = found.similar.map(|w| w.join(", "));
            view.exact_total = found.exact_total;
            view.notice = found.note;
            let shown_to = offset + found.results.len();
            view.prev_url = (page > 1).then(|| page_link(&params, page - 1));
            view.next_url = (found.total > shown_to && shown_to < MAX_RESULTS).then(|| page_link(&params, page + 1));
            view.results = found.results;
            StatusCode::OK
        }
    };
    Ok((status, view).into_response())
}

/// One hit in the JSON API.
#[derive(Serialize)]
pub struct ApiHit {
    pub id: i64,
    /// `link`, `discussion`, `reply` or `channel`.
    pub kind: &'static str,
    /// Plain text.
    pub title: String,
    /// HTML: the matching passage, escaped, with matches in `<b>`.
    pub snippet: String,
    pub channel: ApiChannel,
    pub author: Option<ApiPerson>,
    /// RFC 3339.
    pub created_at: String,
    /// Where it is in Commonroom.
    pub url: String,
    /// For link posts: the address shared.
    pub link: Option<String>,
}

#[derive(Serialize)]
pub struct ApiChannel {
    pub slug: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct ApiPerson {
    pub handle: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct ApiResults {
    pub query: String,
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    /// Words similar to the query's, when those were searched for instead.
    pub similar: Option<Vec<String>>,
    pub hits: Vec<ApiHit>,
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// `GET /api/search?q=…[&sort=newest][&page=N][&per_page=N]`: the same search as the page, as JSON.
pub async fn api_search(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Query(params): Query<SearchParams>,
) -> AppResult<Response> {
    let Some(user) = viewer.user else {
        return Ok(api_error(StatusCode::UNAUTHORIZED, "Sign in to search."));
    };
    let per_page = params.per_page(API_MAX_PER_PAGE);
    let page = params.page();
    let offset = (page - 1) * per_page;
    if offset >= MAX_RESULTS {
        return Ok(api_error(
            StatusCode::BAD_REQUEST,
            &format!("Only the first {MAX_RESULTS} results can be paged through."),
        ));
    }
    let found = match run_search(&state, &user.actor(), &params, offset, per_page).await? {
        Outcome::Empty => return Ok(api_error(StatusCode::BAD_REQUEST, "Give words to search for in q.")),
        Outcome::Invalid(message) => return Ok(api_error(StatusCode::BAD_REQUEST, &message)),
        Outcome::Unavailable(message) => return Ok(api_error(StatusCode::SERVICE_UNAVAILABLE, &message)),
        Outcome::Found(found) => found,
    };
    let hits = found
        .results
        .into_iter()
        .map(|r| ApiHit {
            id: r.hit.id,
            kind: r.hit.kind.as_str(),
            title: r.hit.title.clone(),
            snippet: r.hit.snippet_html.clone(),
            channel: ApiChannel {
                slug: r.channel.slug.clone(),
                name: r.channel.name.clone(),
            },
            author: r.author.as_ref().map(|p| ApiPerson {
                handle: p.handle.clone(),
                name: p.name.clone(),
            }),
            created_at: r.hit.at.to_rfc3339(),
            url: r.href.clone(),
            link: r.hit.url.clone(),
        })
        .collect();
    Ok(Json(ApiResults {
        query: params.q.trim().to_owned(),
        total: found.total,
        page,
        per_page,
        similar: found.similar,
        hits,
    })
    .into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct SuggestParams {
    #[serde(default)]
    pub q: String,
}

/// Channels and people matching what is being typed (the last word, for
/// `in:#…` and `from:@…`), for the search box. Channels come only from those
/// the reader may read now.
pub async fn suggest(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<SuggestParams>,
) -> AppResult<SuggestionsPartial> {
    let last = params.q.split_whitespace().last().unwrap_or_default();
    let (want_channels, want_people, prefix) = if let Some(rest) = last.strip_prefix("in:") {
        (true, false, rest.trim_start_matches('#'))
    } else if let Some(rest) = last.strip_prefix("from:") {
        (false, true, rest.trim_start_matches('@'))
    } else {
        (true, true, last.trim_start_matches(['#', '@']))
    };
    let prefix = prefix.to_lowercase();
    let mut view = SuggestionsPartial {
        channels: Vec::new(),
        people: Vec::new(),
        typed: params.q.trim().to_owned(),
    };
    if prefix.chars().count() < 2 {
        return Ok(view);
    }
    if want_channels {
        let scope = channels::search_scope(&state.db, &viewer.actor()).await?;
        view.channels = scope
            .readable
            .into_iter()
            .filter(|c| {
                c.slug.starts_with(&prefix) || c.name.to_lowercase().split_whitespace().any(|w| w.starts_with(&prefix))
            })
            .take(5)
            .collect();
    }
    if want_people {
        view.people = users::suggest(&state.db, &prefix, 5).await?;
    }
    Ok(view)
}
