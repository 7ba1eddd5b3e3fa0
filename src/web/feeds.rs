//! The feeds a curator follows: list with health, add (with autodiscovery
//! when given a web page), settings with a dry run of the word rules, poll
//! now, stop following, and OPML import/export. Curators only: `router.rs`
//! keeps everyone else out; the work itself is `service::feeds`.

use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::extract::{Confirmed, Id, Viewer, flash};
use super::see_other;
use crate::domain::feed::{FeedLink, POLL_MINUTES_DEFAULT, POLL_MINUTES_MAX, POLL_MINUTES_MIN, WordRules};
use crate::domain::form::FormErrors;
use crate::domain::policy::{self, Actor};
use crate::domain::post::LinkUrl;
use crate::domain::text::summary_text;
use crate::error::{AppError, AppResult};
use crate::ingest::opml;
use crate::service::feeds::{self as following, Follow, FollowError, Followed, SettingsEdit};
use crate::service::polling::{self, PollNow, Polled};
use crate::state::AppState;
use crate::store::{channels, feeds, inbox};
use crate::views::feeds::{DryRunRow, FeedPage, FeedsPage};
use crate::views::{Choice, ConfirmPage};

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
    let actor = viewer.actor();
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

pub async fn add_feed(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AddForm>) -> AppResult<Response> {
    let actor = viewer.actor();
    let address = match LinkUrl::parse(&form.url) {
        Ok(link) => link,
        Err(message) => return feeds_page(&state, viewer, form, Vec::new(), FormErrors::with("url", message)).await,
    };
    let ask = Follow {
        address,
        folder: form.folder.clone(),
        default_channel: form.channel.trim().parse().ok(),
    };
    let message = match following::follow(&state, &actor, ask).await {
        Ok(Followed::New { id, title, first_poll }) => {
            let said = match first_poll {
                Ok(added) => format!(
                    "Now following {title}: {}.",
                    added.items(state.settings.curation.inbox_window_days())
                ),
                Err(why) => format!("Now following {title}, but its items could not be stored: {why}."),
            };
            flash(&viewer.session, &said).await;
            return Ok(see_other(&format!("/feeds/{id}")));
        }
        Ok(Followed::Already(id)) => {
            flash(&viewer.session, "You already follow that feed.").await;
            return Ok(see_other(&format!("/feeds/{id}")));
        }
        Ok(Followed::Choose(found)) => return feeds_page(&state, viewer, form, found, FormErrors::new()).await,
        Err(FollowError::Unusable(message)) => message,
        Err(FollowError::Db(err)) => return Err(err.into()),
    };
    feeds_page(&state, viewer, form, Vec::new(), FormErrors::with("url", message)).await
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
    let actor = viewer.actor();
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
    let page = FeedPage {
        ctx: viewer.ctx.within_section("feeds"),
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
    // A form with errors is shown again on the feed's page (404 if there is
    // no such feed); saving says whether the feed was there.
    let (poll_minutes, rules) = match check_settings(&form) {
        Ok(ok) => ok,
        Err(errors) => return feed_page(&state, viewer, id, Some(form), errors, None).await,
    };
    let edit = SettingsEdit {
        title: form.title,
        folder: form.folder,
        default_channel: form.channel.trim().parse().ok(),
        rules,
        poll_minutes,
        paused: form.paused.is_some(),
    };
    if !following::save_settings(&state, &viewer.actor(), id, edit).await? {
        return Err(AppError::NotFound);
    }
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
    let message = match polling::poll_now(&state, id).await? {
        PollNow::Gone => return Err(AppError::NotFound),
        PollNow::Busy => "That feed is being checked right now.".to_owned(),
        PollNow::Polled(outcome, added) => match outcome.result {
            Polled::NotModified => "Checked: nothing new since last time.".to_owned(),
            Polled::Fetched(s) => {
                let kept_out = added
                    .kept_out(state.settings.curation.inbox_window_days())
                    .map(|why| format!(" ({why})"))
                    .unwrap_or_default();
                format!("Checked: {} new{kept_out}, {} updated.", s.new, s.updated)
            }
            Polled::Failed(words) => format!("The check failed: {words}."),
        },
    };
    flash(&viewer.session, &message).await;
    Ok(see_other(&format!("/feeds/{id}")))
}

/// Stop following a feed once the curator has confirmed; until then (and
/// when its address is opened) ask.
pub async fn remove_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Confirmed(confirmed): Confirmed,
) -> AppResult<Response> {
    let feed = feeds::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !confirmed {
        let page = ConfirmPage {
            ctx: viewer.ctx.in_section("feeds"),
            title: format!("Stop following {}?", feed.title),
            detail: "No new items will come from it. Its entries waiting in the inbox go; posts already shared from it stay in their channels.".into(),
            action: format!("/feeds/{id}/delete"),
            button: "Stop following".into(),
            back: format!("/feeds/{id}"),
        };
        return Ok(page.into_response());
    }
    feeds::remove(&state.db, id).await?;
    flash(&viewer.session, &format!("Stopped following {}.", feed.title)).await;
    Ok(see_other("/feeds"))
}

/// Every feed as OPML, folders kept.
pub async fn export_opml(State(state): State<AppState>) -> AppResult<Response> {
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
    let report = following::import(&state, &list, Some(viewer.id()), |_| {}).await?;
    flash(&viewer.session, &report.to_string()).await;
    Ok(see_other("/feeds"))
}
