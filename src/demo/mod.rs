//! Demo data: the fictional Brackenshire Council (loaded only into an empty
//! database), and a generator of realistic bulk data for benchmarks.

pub mod generate;

use std::collections::HashMap;

use anyhow::Context;
use chrono::Duration;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::domain::application::LicenceApplication;
use crate::domain::email::EmailAddress;
use crate::domain::feed::ParsedItem;
use crate::domain::feed::{POLL_MINUTES_DEFAULT, WordRules};
use crate::domain::guidelines::Draft;
use crate::domain::person::{PersonName, ProfileLine, Work};
use crate::domain::policy::Visibility;
use crate::domain::post::LinkUrl;
use crate::domain::post::PostDraft;
use crate::domain::reaction::ReactionKind;
use crate::domain::role::Role;
use crate::domain::slug::ChannelSlug;
use crate::domain::time::now;
use crate::service::accounts::hash_password;
use crate::store::channels::{self, NewChannel};
use crate::store::feeds::{self, Added, FeedSettings, NewFeed};
use crate::store::reactions::{self, Target};
use crate::store::users::{self, NewUser};
use crate::store::{announcements, applications, groups, guidelines, inbox, posts, replies};

/// The password every demo account shares. Demo data is for trying Commonroom out, never for production.
pub const DEMO_PASSWORD: &str = "brackenshire-demo";

const BRACKENSHIRE: &str = include_str!("brackenshire.toml");

#[derive(Deserialize)]
struct Demo {
    users: Vec<DemoUser>,
    channels: Vec<DemoChannel>,
    posts: Vec<DemoPost>,
    #[serde(default)]
    feeds: Vec<DemoFeed>,
    guidelines: Option<DemoGuidelines>,
    #[serde(default)]
    applications: Vec<DemoApplication>,
    #[serde(default)]
    join_requests: Vec<DemoJoinRequest>,
}

/// Someone asking to join a working group, waiting for its managers.
#[derive(Deserialize)]
struct DemoJoinRequest {
    channel: String,
    person: String,
    message: String,
}

/// A licence application waiting for a coordinator.
#[derive(Deserialize)]
struct DemoApplication {
    applicant: String,
    why: String,
    channels: Vec<String>,
    trained: bool,
    manager: String,
    hours_ago: i64,
}

#[derive(Deserialize)]
struct DemoGuidelines {
    author: String,
    summary: String,
    body: String,
}

#[derive(Deserialize)]
struct DemoFeed {
    url: String,
    title: String,
    site_url: String,
    folder: String,
    default_channel: String,
    items: Vec<DemoItem>,
}

#[derive(Deserialize)]
struct DemoItem {
    title: String,
    url: String,
    summary: String,
    hours_ago: i64,
}

#[derive(Deserialize)]
struct DemoUser {
    handle: String,
    name: String,
    email: String,
    job_title: String,
    department: String,
    /// Roles beyond member, comma-separated.
    role: String,
}

impl DemoUser {
    fn roles(&self) -> anyhow::Result<Vec<Role>> {
        self.role
            .split(',')
            .map(|r| Role::parse(r).with_context(|| format!("demo user {}: unknown role {r:?}", self.handle)))
            .collect()
    }

    fn holds(&self, role: &str) -> bool {
        self.role.split(',').any(|r| r.trim() == role)
    }
}

#[derive(Deserialize)]
struct DemoChannel {
    slug: String,
    name: String,
    description: String,
    created_by: String,
    followers: Vec<String>,
    /// `open` (the default) or a private visibility; a private channel's followers are its members.
    #[serde(default)]
    visibility: Option<String>,
    /// Covers for the creator as deputy for `deputy_days` from now.
    #[serde(default)]
    deputy: Option<String>,
    #[serde(default)]
    deputy_days: Option<i64>,
}

#[derive(Deserialize)]
struct DemoPost {
    channel: String,
    author: String,
    kind: String,
    title: String,
    url: Option<String>,
    body: String,
    hours_ago: i64,
    #[serde(default)]
    likes: Vec<String>,
    #[serde(default)]
    replies: Vec<DemoReply>,
    /// Pinned at the top of its channel by its author.
    #[serde(default)]
    pinned: bool,
    /// Announced to its channel's followers by its author.
    #[serde(default)]
    announced: bool,
}

#[derive(Deserialize)]
struct DemoReply {
    author: String,
    body: String,
    minutes_after: i64,
    quote: Option<usize>,
    #[serde(default)]
    likes: Vec<String>,
}

/// A demo login to print at start-up.
pub struct DemoLogin {
    pub email: String,
    pub role: String,
}

pub enum Outcome {
    Loaded { logins: Vec<DemoLogin> },
    AlreadyHasData,
}

fn demo() -> anyhow::Result<Demo> {
    toml::from_str(BRACKENSHIRE).context("parsing the built-in demo data")
}

/// Who to suggest signing in as: the admin, a curator, the moderator, the
/// coordinator, a contributor and a member.
fn sample_logins(demo: &Demo) -> Vec<DemoLogin> {
    let mut logins = Vec::new();
    for role in ["admin", "curator", "moderator", "coordinator", "contributor", "member"] {
        if let Some(u) = demo.users.iter().find(|u| u.holds(role)) {
            logins.push(DemoLogin {
                email: u.email.clone(),
                role: role.to_owned(),
            });
        }
    }
    logins
}

/// Load Brackenshire Council into an empty database; do nothing otherwise.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<Outcome> {
    if users::count(db).await? > 0 {
        return Ok(Outcome::AlreadyHasData);
    }
    let demo = demo()?;
    let hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut ids: HashMap<String, i64> = HashMap::new();
    for u in &demo.users {
        let email = EmailAddress::parse(&u.email).map_err(|m| anyhow::anyhow!("demo user {}: {m}", u.handle))?;
        let roles = u.roles()?;
        let fault = |m: String| anyhow::anyhow!("demo user {}: {m}", u.handle);
        let new = NewUser {
            email,
            name: PersonName::parse(&u.name).map_err(|m| fault(m.into()))?,
            password_hash: Some(hash.clone()),
            roles,
            work: Work {
                job_title: ProfileLine::parse(&u.job_title, "job title").map_err(fault)?,
                department: ProfileLine::parse(&u.department, "department").map_err(fault)?,
            },
        };
        let id = users::create(db, new, None)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e}", u.handle))?;
        ids.insert(u.handle.clone(), id);
    }
    let person = |handle: &str| {
        ids.get(handle)
            .copied()
            .with_context(|| format!("demo data names unknown person {handle}"))
    };
    let mut channel_ids: HashMap<String, i64> = HashMap::new();
    for c in &demo.channels {
        let slug = ChannelSlug::parse(&c.slug).map_err(|m| anyhow::anyhow!("demo channel {}: {m}", c.slug))?;
        let visibility = match c.visibility.as_deref() {
            None => Visibility::Open,
            Some(raw) => {
                Visibility::from_form(raw).with_context(|| format!("demo channel {}: visibility {raw}", c.slug))?
            }
        };
        let creator = person(&c.created_by)?;
        let created = channels::create(
            db,
            creator,
            NewChannel {
                slug,
                name: c.name.clone(),
                description: c.description.clone(),
                visibility,
                manager: creator,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo channel {}: {e}", c.slug))?;
        applications::add_manager(db, created.id, creator, None).await?;
        for f in &c.followers {
            if visibility.is_private() {
                channels::add_member(db, creator, created.id, person(f)?).await?;
            }
            channels::follow(db, person(f)?, created.id).await?;
        }
        if let Some(deputy) = &c.deputy {
            let until = now() + Duration::days(c.deputy_days.unwrap_or(14));
            groups::name_steward(db, created.id, person(deputy)?, Some(until), creator).await?;
        }
        channel_ids.insert(c.slug.clone(), created.id);
    }
    let at_now = now();
    for p in &demo.posts {
        let draft = PostDraft::parse(&p.kind, &p.title, p.url.as_deref().unwrap_or(""), &p.body)
            .map_err(|e| anyhow::anyhow!("demo post {:?}: {e:?}", p.title))?;
        let channel_id = channel_ids
            .get(&p.channel)
            .copied()
            .with_context(|| format!("unknown channel {}", p.channel))?;
        let published = at_now - Duration::hours(p.hours_ago);
        let post_id = posts::create_at(db, person(&p.author)?, channel_id, &draft, published).await?;
        for l in &p.likes {
            reactions::toggle(db, Target::Post(post_id), person(l)?, ReactionKind::Like).await?;
        }
        let mut reply_ids = Vec::new();
        for r in &p.replies {
            let at = (published + Duration::minutes(r.minutes_after)).min(at_now);
            let quote = r.quote.and_then(|i| reply_ids.get(i).copied());
            let id = replies::create_at(db, post_id, person(&r.author)?, r.body.trim(), quote, at).await?;
            for l in &r.likes {
                reactions::toggle(db, Target::Reply(id), person(l)?, ReactionKind::Like).await?;
            }
            reply_ids.push(id);
        }
        if p.pinned {
            announcements::pin(db, channel_id, post_id, person(&p.author)?).await?;
        }
        if p.announced {
            announcements::announce(db, channel_id, post_id, person(&p.author)?).await?;
        }
    }
    for j in &demo.join_requests {
        let channel = channel_ids
            .get(&j.channel)
            .copied()
            .with_context(|| format!("demo join request names unknown channel {}", j.channel))?;
        groups::add_request(db, channel, person(&j.person)?, &j.message).await?;
    }
    if let Some(g) = &demo.guidelines {
        let draft = Draft::parse(&g.body, &g.summary).map_err(|(_, m)| anyhow::anyhow!("demo guidelines: {m}"))?;
        let html = crate::domain::markdown::render(&draft.body_md, |_| false);
        let version = guidelines::publish(db, Some(person(&g.author)?), &draft.body_md, &html, &draft.summary).await?;
        for id in ids.values() {
            guidelines::accept(db, *id, version).await?;
        }
    }
    for a in &demo.applications {
        load_application(db, a, person(&a.applicant)?, &channel_ids).await?;
    }
    let curator = demo
        .users
        .iter()
        .find(|u| u.holds("curator"))
        .map(|u| person(&u.handle))
        .transpose()?;
    for f in &demo.feeds {
        load_feed(db, f, channel_ids.get(&f.default_channel).copied(), curator).await?;
    }
    Ok(Outcome::Loaded {
        logins: sample_logins(&demo),
    })
}

/// A followed feed (paused: the demo may be offline) with its recent items in the inbox.
/// An application as its applicant sent it, `hours_ago`.
async fn load_application(
    db: &DatabaseConnection,
    a: &DemoApplication,
    applicant: i64,
    channel_ids: &HashMap<String, i64>,
) -> anyhow::Result<()> {
    let channels: Vec<String> = a
        .channels
        .iter()
        .map(|slug| {
            channel_ids
                .get(slug)
                .map(|id| id.to_string())
                .with_context(|| format!("demo application names unknown channel {slug}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let form = LicenceApplication::parse(&a.why, &channels, if a.trained { "yes" } else { "no" }, &a.manager)
        .map_err(|e| anyhow::anyhow!("demo application by {}: {e:?}", a.applicant))?;
    let id = applications::add_application(db, applicant, &form)
        .await?
        .with_context(|| format!("{} already has an application waiting", a.applicant))?;
    applications::backdate_application(db, id, now() - Duration::hours(a.hours_ago)).await?;
    Ok(())
}

async fn load_feed(
    db: &DatabaseConnection,
    f: &DemoFeed,
    channel: Option<i64>,
    curator: Option<i64>,
) -> anyhow::Result<()> {
    let new = NewFeed {
        url: f.url.clone(),
        title: f.title.clone(),
        site_url: Some(f.site_url.clone()),
        folder: f.folder.clone(),
        default_channel_id: channel,
        created_by: curator,
    };
    let Added::New(id) = feeds::add(db, &new).await? else {
        return Ok(());
    };
    let settings = FeedSettings {
        title: f.title.clone(),
        folder: f.folder.clone(),
        default_channel_id: channel,
        rules: WordRules::default(),
        poll_minutes: POLL_MINUTES_DEFAULT,
        paused: true,
    };
    feeds::update(db, id, &settings).await?;
    let at_now = now();
    let items: Vec<ParsedItem> = f
        .items
        .iter()
        .map(|i| {
            let link = LinkUrl::parse(&i.url).map_err(|m| anyhow::anyhow!("demo feed item {:?}: {m}", i.title))?;
            Ok(ParsedItem {
                guid: i.url.clone(),
                url: Some(i.url.clone()),
                canonical_url: Some(link.canonical()),
                title: i.title.clone(),
                author: String::new(),
                summary_html: format!("<p>{}</p>", ammonia::clean_text(&i.summary)),
                summary_text: i.summary.clone(),
                published: Some(at_now - Duration::hours(i.hours_ago)),
                updated: None,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    inbox::upsert_items(db, id, &WordRules::default(), &items).await?;
    feeds::record_success(db, id, None, None, None).await?;
    Ok(())
}

/// The logins to suggest, whether or not the data was loaded just now.
pub fn logins() -> Vec<DemoLogin> {
    demo().map(|d| sample_logins(&d)).unwrap_or_default()
}
