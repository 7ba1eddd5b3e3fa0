//! The feeds curators follow: following one (given its address, or a web
//! page that advertises it), importing a list of them, and saving a feed's
//! settings with its word rules re-applied in the same transaction. The
//! feeds page and `commonroom feeds import-opml` both come here.

use sea_orm::DbErr;
use url::Url;

use crate::domain::feed::{Arrivals, FeedLink, POLL_MINUTES_DEFAULT, WordRules, folder_name};
use crate::domain::job::Job;
use crate::domain::policy::{self, Actor};
use crate::domain::post::LinkUrl;
use crate::domain::time::now;
use crate::ingest::fetch::{Fetched, Fetcher, Request};
use crate::ingest::opml::OpmlFeed;
use crate::ingest::parse::{self, FEED_TYPES, ParseError};
use crate::ingest::preview;
use crate::service::polling;
use crate::state::AppState;
use crate::store::feeds::{self, Added, FeedSettings, NewFeed};
use crate::store::{self, channels, inbox, jobs};

/// Longest feed name kept from an OPML file.
const TITLE_MAX: usize = 200;

/// What following an address came to.
#[derive(Debug)]
pub enum Followed {
    /// Now followed. `first_poll` is what its first fetch stored (and how
    /// much of it is too old for the inbox), or why it could not be stored
    /// (the feed is polled again as scheduled).
    New {
        id: i64,
        title: String,
        first_poll: Result<Arrivals, String>,
    },
    /// That feed was followed already.
    Already(i64),
    /// The address is a web page advertising several feeds: pick one.
    Choose(Vec<FeedLink>),
}

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The address cannot be followed, in words for the person who typed it.
    #[error("{0}")]
    Unusable(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A feed to follow, as a curator asks for it.
#[derive(Debug, Clone)]
pub struct Follow {
    pub address: LinkUrl,
    pub folder: String,
    /// The channel its items are shared into by default (kept only if the curator may post there).
    pub default_channel: Option<i64>,
}

/// Follow a feed: fetch the address (following a web page's one advertised
/// feed), parse it, add it, store what this first fetch brought and
/// schedule the next poll.
pub async fn follow(state: &AppState, actor: &Actor, ask: Follow) -> Result<Followed, FollowError> {
    let (feed_url, page) = match find_feed(&state.fetcher, ask.address.as_str()).await? {
        Found::Feed { url, page } => (url, page),
        Found::Choose(links) => return Ok(Followed::Choose(links)),
    };
    let parsed = parse::parse(&page.body, &page.url, page.charset.as_deref())
        .map_err(|err| FollowError::Unusable(format!("That address is {err}.")))?;
    let new = NewFeed {
        url: feed_url,
        title: parsed.title.clone(),
        site_url: parsed.site_url.clone(),
        folder: folder_name(&ask.folder),
        default_channel_id: postable_channel(state, actor, ask.default_channel).await?,
        created_by: Some(actor.user_id),
    };
    let id = match feeds::add(&state.db, &new).await? {
        Added::New(id) => id,
        Added::Exists(id) => return Ok(Followed::Already(id)),
    };
    // The first poll is this fetch: store what it brought and schedule the next.
    let Some(feed) = feeds::by_id(&state.db, id).await? else {
        return Err(FollowError::Unusable(
            "That feed was removed as it was being added.".into(),
        ));
    };
    let since = now();
    let first_poll = match polling::store_items(&state.inbox_writer, &feed, parsed.items).await {
        Ok(stored) => {
            feeds::record_success(
                &state.db,
                id,
                page.etag.as_deref(),
                page.last_modified.as_deref(),
                parsed.site_url.as_deref(),
            )
            .await?;
            let next = now() + chrono::Duration::minutes(POLL_MINUTES_DEFAULT.into());
            jobs::schedule(&state.db, Job::PollFeed(id), next).await?;
            Ok(polling::arrivals(state, id, stored.new, since).await?)
        }
        // Adding it scheduled a poll for now, which will try again.
        Err(err) => Err(err.to_string()),
    };
    Ok(Followed::New {
        id,
        title: feed.title,
        first_poll,
    })
}

const PAGE_TYPES: &[&str] = &["text/html", "application/xhtml+xml"];

/// What fetching an address the curator typed turned out to be.
enum Found {
    Feed { url: String, page: Box<Fetched> },
    Choose(Vec<FeedLink>),
}

/// Fetch the address; if it is a web page, follow its one advertised feed or
/// offer the choice.
async fn find_feed(fetcher: &Fetcher, raw: &str) -> Result<Found, FollowError> {
    let accept: Vec<&str> = FEED_TYPES.iter().chain(PAGE_TYPES).copied().collect();
    let request = Request {
        accept: &accept,
        expected: "a feed or a web page",
        ..Default::default()
    };
    let mut url = raw.to_owned();
    for _ in 0..2 {
        let page = fetcher
            .get(&url, &request)
            .await
            .map_err(|e| FollowError::Unusable(format!("Could not fetch that address: {e}.")))?;
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
        let html = preview::decode(&page.body, page.charset.as_deref());
        let mut found = parse::discover(&html, &page.url);
        match found.len() {
            0 => {
                return Err(FollowError::Unusable(
                    "That page does not advertise a feed. Try the feed's own address (often ending /feed or .rss)."
                        .into(),
                ));
            }
            1 => url = found.remove(0).url,
            _ => return Ok(Found::Choose(found)),
        }
    }
    Err(FollowError::Unusable(
        "That page's feed link leads to another web page, not a feed.".into(),
    ))
}

/// A channel a feed's items may default to: kept only if the curator may post there.
pub async fn postable_channel(state: &AppState, actor: &Actor, id: Option<i64>) -> Result<Option<i64>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    let Some(channel) = channels::by_id(&state.db, id).await? else {
        return Ok(None);
    };
    Ok(policy::can_post_in(actor, &channel.facts(actor)).then_some(id))
}

/// A feed's settings as a curator saves them.
#[derive(Debug, Clone)]
pub struct SettingsEdit {
    pub title: String,
    pub folder: String,
    pub default_channel: Option<i64>,
    pub rules: WordRules,
    pub poll_minutes: i32,
    pub paused: bool,
}

/// Save a feed's settings and decide again which of its items its word
/// rules let through, in one transaction: the inbox never shows items by
/// rules the feed no longer has. False if there is no such feed.
pub async fn save_settings(state: &AppState, actor: &Actor, feed_id: i64, edit: SettingsEdit) -> Result<bool, DbErr> {
    let settings = FeedSettings {
        title: edit.title.trim().to_owned(),
        folder: folder_name(&edit.folder),
        default_channel_id: postable_channel(state, actor, edit.default_channel).await?,
        rules: edit.rules,
        poll_minutes: edit.poll_minutes,
        paused: edit.paused,
    };
    let txn = store::begin_write(&state.db).await?;
    if !feeds::update(&txn, feed_id, &settings).await? {
        return Ok(false);
    }
    inbox::reapply_rules(&txn, feed_id, &settings.rules).await?;
    txn.commit().await?;
    // A resumed feed is due at once.
    state.jobs_wake.notify_one();
    Ok(true)
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

/// Follow each feed of an OPML list without fetching it (its first poll is
/// due at once); the same address twice is followed once. `progress` is
/// called before each feed (the command line's progress bar).
pub async fn import(
    state: &AppState,
    list: &[OpmlFeed],
    by: Option<i64>,
    mut progress: impl FnMut(&OpmlFeed),
) -> Result<ImportReport, DbErr> {
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
            title: item.title.chars().take(TITLE_MAX).collect(),
            site_url: item.site_url.clone(),
            folder: folder_name(&item.folder),
            default_channel_id: None,
            created_by: by,
        };
        match feeds::add(&state.db, &new).await? {
            Added::New(_) => report.added += 1,
            Added::Exists(_) => report.existing += 1,
        }
    }
    state.jobs_wake.notify_one();
    Ok(report)
}
