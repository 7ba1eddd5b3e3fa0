//! The feeds a curator follows: list with health, add (with autodiscovery
//! when given a web page), settings with a dry run of the word rules, poll
//! now, stop following, and OPML import/export.

use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use url::Url;

use super::extract::{Id, Viewer, flash};
use super::see_other;
use crate::domain::feed::FeedLink;
use crate::domain::feed::{POLL_MINUTES_DEFAULT, POLL_MINUTES_MAX, POLL_MINUTES_MIN, WordRules};
use crate::domain::form::FormErrors;
use crate::domain::job::Job;
use crate::domain::policy::{self, Actor};
use crate::domain::post::LinkUrl;
use crate::domain::text::summary_text;
use crate::domain::time::now;
use crate::error::{AppError, AppResult};
use crate::ingest::fetch::{FetchError, Request};
use crate::ingest::opml;
use crate::ingest::parse::{self, FEED_TYPES, ParseError};
use crate::ingest::refresh;
use crate::jobs::poll_feed::PollNow;
use crate::state::AppState;
use crate::store::feeds::{self, Added, FeedSettings, NewFeed};
use crate::store::{channels, inbox, jobs};
use crate::views::{Choice, DryRunRow, FeedPageView, FeedsPage};

/// Curators and admins only.
fn curator(viewer: &Viewer) -> AppResult<Actor> {
    let actor = viewer.actor();
    if policy::can_curate(&actor) {
        Ok(actor)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Channels a feed's items may default to, with `selected` marked.
async fn channel_choices(state: &AppState, actor: &Actor, selected: Option<i64>) -> AppResult<Vec<Choice>> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "No default".into(),
        selected: selected.is_none(),
    }];
    for s in channels::directory(&state.db, actor).await? {
        if policy::can_post_in(actor, &s.channel.facts(actor)) {
            choices.push(Choice {
                selected: selected == Some(s.channel.id),
                value: s.channel.id.to_string(),
                label: format!("{} (#{})", s.channel.name, s.channel.slug),
            });
        }
    }
    Ok(choices)
}

/// A channel id from a form, only if the actor may post there.
async fn chosen_channel(state: &AppState, actor: &Actor, raw: &str) -> AppResult<Option<i64>> {
    let Ok(id) = raw.trim().parse::<i64>() else {
        return Ok(None);
    };
    let Some(channel) = channels::by_id(&state.db, id).await? else {
        return Ok(None);
    };
    Ok(policy::can_post_in(actor, &channel.facts(actor)).then_some(id))
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    channel: String,
}

async fn feeds_page(
    state: &AppState,
    viewer: Viewer,
    form: AddForm,
    discovered: Vec<FeedLink>,
    errors: FormErrors,
) -> AppResult<Response> {
    let actor = curator(&viewer)?;
    let channel = form.channel.parse().ok();
    let page = FeedsPage {
        ctx: viewer.ctx.in_section("feeds"),
        feeds: feeds::list(&state.db).await?,
        channels: channel_choices(state, &actor, channel).await?,
        url: form.url,
        folder: form.folder,
        discovered,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

pub async fn list_feeds(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    feeds_page(&state, viewer, AddForm::default(), Vec::new(), FormErrors::new()).await
}

const PAGE_TYPES: &[&str] = &["text/html", "application/xhtml+xml"];

/// What fetching an address the curator typed turned out to be.
enum Found {
    Feed {
        url: String,
        page: Box<crate::ingest::fetch::Fetched>,
    },
    Choose(Vec<FeedLink>),
}

/// Fetch the address; if it is a web page, follow its one advertised feed or
/// offer the choice. Errors are in words for the form.
async fn find_feed(state: &AppState, raw: &str) -> Result<Found, String> {
    let accept: Vec<&str> = FEED_TYPES.iter().chain(PAGE_TYPES).copied().collect();
    let request = Request {
        accept: &accept,
        expected: "a feed or a web page",
        ..Default::default()
    };
    let mut url = raw.to_owned();
    for _ in 0..2 {
        let page = state.fetcher.get(&url, &request).await.map_err(|e| fetch_words(&e))?;
        let is_page = PAGE_TYPES.contains(&page.media_type.as_str())
            || matches!(
                parse::parse(&page.body, &page.url, page.charset.as_deref()),
                Err(ParseError::WebPage)
            );
        if !is_page {
            return Ok(Found::Feed {
                url,
                page: Box::new(page),
            });
        }
        let html = crate::ingest::preview::decode(&page.body, page.charset.as_deref());
        let mut found = parse::discover(&html, &page.url);
        match found.len() {
            0 => {
                return Err(
                    "That page does not advertise a feed. Try the feed's own address (often ending /feed or .rss)."
                        .into(),
                );
            }
            1 => url = found.remove(0).url,
            _ => return Ok(Found::Choose(found)),
        }
    }
    Err("That page's feed link leads to another web page, not a feed.".into())
}

fn fetch_words(err: &FetchError) -> String {
    format!("Could not fetch that address: {err}.")
}

pub async fn add_feed(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AddForm>) -> AppResult<Response> {
    let actor = curator(&viewer)?;
    let link = match LinkUrl::parse(&form.url) {
        Ok(link) => link,
        Err(message) => return feeds_page(&state, viewer, form, Vec::new(), FormErrors::with("url", message)).await,
    };
    let (feed_url, page) = match find_feed(&state, link.as_str()).await {
        Ok(Found::Feed { url, page }) => (url, page),
        Ok(Found::Choose(found)) => return feeds_page(&state, viewer, form, found, FormErrors::new()).await,
        Err(message) => return feeds_page(&state, viewer, form, Vec::new(), FormErrors::with("url", message)).await,
    };
    let parsed = match parse::parse(&page.body, &page.url, page.charset.as_deref()) {
        Ok(parsed) => parsed,
        Err(err) => {
            let message = format!("That address is {err}.");
            return feeds_page(&state, viewer, form, Vec::new(), FormErrors::with("url", message)).await;
        }
    };
    let new = NewFeed {
        url: feed_url,
        title: parsed.title.clone(),
        site_url: parsed.site_url.clone(),
        folder: clean_folder(&form.folder),
        default_channel_id: chosen_channel(&state, &actor, &form.channel).await?,
        created_by: Some(actor.user_id),
    };
    let id = match feeds::add(&state.db, &new).await? {
        Added::New(id) => id,
        Added::Exists(id) => {
            flash(&viewer.session, "You already follow that feed.").await;
            return Ok(see_other(&format!("/feeds/{id}")));
        }
    };
    // The first poll is this fetch: store what it brought and schedule the next.
    let feed = feeds::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let stored = refresh::ingest(
        &state.inbox_writer,
        &feed,
        &page.url,
        &page.body,
        page.charset.as_deref(),
    )
    .await;
    let message = match stored {
        Ok((stats, site)) => {
            feeds::record_success(
                &state.db,
                id,
                page.etag.as_deref(),
                page.last_modified.as_deref(),
                site.as_deref(),
            )
            .await?;
            let next = now() + chrono::Duration::minutes(POLL_MINUTES_DEFAULT.into());
            jobs::schedule(&state.db, Job::PollFeed(id), next).await?;
            format!("Now following {}: {} items.", feed.title, stats.new)
        }
        Err(err) => format!(
            "Now following {}, but its items could not be stored: {err}.",
            feed.title
        ),
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/feeds/{id}")))
}

fn clean_folder(raw: &str) -> String {
    let folder = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    folder.chars().take(80).collect()
}

const INTERVALS: [i32; 8] = [5, 15, 30, 60, 120, 360, 720, 1440];

fn interval_label(minutes: i32) -> String {
    match minutes {
        m if m < 60 => format!("Every {m} minutes"),
        60 => "Every hour".into(),
        1440 => "Once a day".into(),
        m => format!("Every {} hours", m / 60),
    }
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    include: String,
    #[serde(default)]
    exclude: String,
    #[serde(default)]
    poll_minutes: String,
    #[serde(default)]
    paused: Option<String>,
}

async fn feed_page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    form: Option<SettingsForm>,
    errors: FormErrors,
    dry_run: Option<Vec<DryRunRow>>,
) -> AppResult<Response> {
    let actor = curator(&viewer)?;
    let feed = feeds::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| SettingsForm {
        title: feed.title.clone(),
        folder: feed.folder.clone(),
        channel: feed.default_channel_id.map(|c| c.to_string()).unwrap_or_default(),
        include: feed.include_text(),
        exclude: feed.exclude_text(),
        poll_minutes: feed.poll_minutes.to_string(),
        paused: feed.paused.then(|| "on".into()),
    });
    let minutes: i32 = form.poll_minutes.parse().unwrap_or(feed.poll_minutes);
    let mut intervals: Vec<Choice> = INTERVALS
        .iter()
        .map(|&m| Choice {
            value: m.to_string(),
            label: interval_label(m),
            selected: m == minutes,
        })
        .collect();
    if !INTERVALS.contains(&minutes) {
        intervals.push(Choice {
            value: minutes.to_string(),
            label: format!("Every {minutes} minutes"),
            selected: true,
        });
    }
    let dry_run_passing = dry_run
        .as_ref()
        .map_or(0, |rows| rows.iter().filter(|r| r.passes).count());
    let page = FeedPageView {
        ctx: viewer.ctx.in_section("feeds"),
        channels: channel_choices(state, &actor, form.channel.parse().ok()).await?,
        intervals,
        title: form.title,
        folder: form.folder,
        include: form.include,
        exclude: form.exclude,
        paused: form.paused.is_some(),
        feed,
        errors,
        dry_run,
        dry_run_passing,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

pub async fn show_feed(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    feed_page(&state, viewer, id, None, FormErrors::new(), None).await
}

fn check_settings(form: &SettingsForm) -> Result<(i32, WordRules), FormErrors> {
    let mut errors = FormErrors::new();
    if form.title.trim().is_empty() {
        errors.add("title", "Give the feed a name.");
    } else if form.title.chars().count() > 200 {
        errors.add("title", "Keep the name under 200 characters.");
    }
    let minutes = match form.poll_minutes.trim().parse::<i32>() {
        Ok(m) if (POLL_MINUTES_MIN..=POLL_MINUTES_MAX).contains(&m) => m,
        _ => {
            errors.add("poll_minutes", "Choose how often to check the feed.");
            POLL_MINUTES_DEFAULT
        }
    };
    let rules = WordRules::parse(&form.include, &form.exclude);
    if form.include.len() > 4000 || form.exclude.len() > 4000 {
        errors.add("include", "Keep the word lists under 4,000 characters each.");
    }
    errors.into_result((minutes, rules))
}

pub async fn update_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let actor = curator(&viewer)?;
    feeds::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (minutes, rules) = match check_settings(&form) {
        Ok(ok) => ok,
        Err(errors) => return feed_page(&state, viewer, id, Some(form), errors, None).await,
    };
    let settings = FeedSettings {
        title: form.title.trim().to_owned(),
        folder: clean_folder(&form.folder),
        default_channel_id: chosen_channel(&state, &actor, &form.channel).await?,
        rules: rules.clone(),
        poll_minutes: minutes,
        paused: form.paused.is_some(),
    };
    feeds::update(&state.db, id, &settings).await?;
    inbox::reapply_rules(&state.db, id, &rules).await?;
    state.jobs_wake.notify_one();
    flash(&viewer.session, "Feed settings saved.").await;
    Ok(see_other(&format!("/feeds/{id}")))
}

/// Show which of the feed's last 50 items the rules as typed would let through, saving nothing.
pub async fn dry_run(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    curator(&viewer)?;
    let rules = WordRules::parse(&form.include, &form.exclude);
    let rows = inbox::recent_items(&state.db, id, 50)
        .await?
        .into_iter()
        .map(|item| DryRunRow {
            passes: rules.passes(&item.title, &summary_text(&item.summary_html)),
            title: item.title,
            url: item.url,
        })
        .collect();
    feed_page(&state, viewer, id, Some(form), FormErrors::new(), Some(rows)).await
}

pub async fn poll_now(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    curator(&viewer)?;
    let message = match crate::jobs::poll_feed::poll_now(&state, id).await? {
        PollNow::Gone => return Err(AppError::NotFound),
        PollNow::Busy => "That feed is being checked right now.".to_owned(),
        PollNow::Polled(outcome) => match outcome.result {
            refresh::Polled::NotModified => "Checked: nothing new since last time.".to_owned(),
            refresh::Polled::Fetched(s) => format!("Checked: {} new, {} updated.", s.new, s.updated),
            refresh::Polled::Failed(words) => format!("The check failed: {words}."),
        },
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/feeds/{id}")))
}

pub async fn remove_feed(State(state): State<AppState>, viewer: Viewer, Id(id): Id) -> AppResult<Response> {
    curator(&viewer)?;
    let feed = feeds::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    feeds::remove(&state.db, id).await?;
    flash(&viewer.session, &format!("Stopped following {}.", feed.title)).await;
    Ok(see_other("/feeds"))
}

/// Every feed as OPML, folders kept.
pub async fn export_opml(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    curator(&viewer)?;
    let list: Vec<opml::OpmlFeed> = feeds::list(&state.db)
        .await?
        .into_iter()
        .map(|f| opml::OpmlFeed {
            url: f.url,
            title: f.title,
            site_url: f.site_url,
            folder: f.folder,
        })
        .collect();
    let body = opml::export("Commonroom feeds", &list);
    Ok((
        [
            (header::CONTENT_TYPE, "text/x-opml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"commonroom-feeds.opml\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Follow every feed in an uploaded OPML file; ones already followed are left as they are.
pub async fn import_opml(State(state): State<AppState>, viewer: Viewer, mut upload: Multipart) -> AppResult<Response> {
    let actor = curator(&viewer)?;
    let mut text = None;
    while let Ok(Some(field)) = upload.next_field().await {
        if field.name() == Some("opml") {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("the upload broke off"))?;
            text = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let result = match text.as_deref() {
        None | Some("") => Err("Choose an OPML file to import.".to_owned()),
        Some(text) => opml::parse(text).map_err(|e| format!("Could not import: {e}.")),
    };
    let list = match result {
        Ok(list) => list,
        Err(message) => {
            return feeds_page(
                &state,
                viewer,
                AddForm::default(),
                Vec::new(),
                FormErrors::with("opml", message),
            )
            .await;
        }
    };
    let report = import(&state, &list, Some(actor.user_id)).await?;
    state.jobs_wake.notify_one();
    flash(&viewer.session, &report.to_string()).await;
    Ok(see_other("/feeds"))
}

/// What an OPML import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub existing: usize,
    pub skipped: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Imported {} new feed{}; {} already followed",
            self.added,
            if self.added == 1 { "" } else { "s" },
            self.existing
        )?;
        if self.skipped > 0 {
            write!(f, "; {} skipped (not web addresses)", self.skipped)?;
        }
        f.write_str(".")
    }
}

/// Add each feed (first poll due now); the same URL twice is followed once.
pub async fn import(state: &AppState, list: &[opml::OpmlFeed], by: Option<i64>) -> AppResult<ImportReport> {
    import_each(state, list, by, |_| {}).await
}

/// As [`import`], calling `progress` after each feed (the CLI's progress bar).
pub async fn import_each(
    state: &AppState,
    list: &[opml::OpmlFeed],
    by: Option<i64>,
    mut progress: impl FnMut(&opml::OpmlFeed),
) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    for item in list {
        progress(item);
        let Some(url) = Url::parse(item.url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            report.skipped += 1;
            continue;
        };
        let new = NewFeed {
            url: url.to_string(),
            title: item.title.chars().take(200).collect(),
            site_url: item.site_url.clone(),
            folder: clean_folder(&item.folder),
            default_channel_id: None,
            created_by: by,
        };
        match feeds::add(&state.db, &new).await? {
            Added::New(_) => report.added += 1,
            Added::Exists(_) => report.existing += 1,
        }
    }
    Ok(report)
}
