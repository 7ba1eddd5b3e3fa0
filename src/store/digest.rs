//! Digest subscriptions: what each account holder wants in their weekly
//! digest (no row means the default: weekly, the channels they follow), and
//! email-only subscriptions (an address and no account, confirmed by a link
//! before anything is sent to it); and what one reader's digest holds.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set, TransactionTrait,
    Value,
};

use super::{channels, placeholders, sql};
use crate::domain::digest::{
    ChannelChoice, ChannelSection, DigestContents, DigestPost, DigestPreferences, DigestWeek, Frequency, Mention,
    NewChannel, Recipient, StillReadable, ThreadNews,
};
use crate::domain::markdown;
use crate::domain::policy::{self, Actor, ChannelFacts, Visibility};
use crate::domain::role::Role;
use crate::domain::time::now;
use crate::entities::{channel_follow, digest_feature, digest_note, digest_subscriber, digest_subscriber_channel};

/// At most this many posts in a digest, the most engaged first.
const TOP_POSTS: u64 = 20;
/// At most this many threads, and mentions.
const TOP_NEWS: u64 = 10;

/// This person's digest preferences (the default if they never changed them).
pub async fn preferences(db: &impl ConnectionTrait, user_id: i64) -> Result<DigestPreferences, sea_orm::DbErr> {
    let Some(row) = digest_subscriber::Entity::find()
        .filter(digest_subscriber::Column::UserId.eq(user_id))
        .one(db)
        .await?
    else {
        return Ok(DigestPreferences::default());
    };
    prefs_of(db, &row).await
}

/// A subscription row's preferences, picked channels included.
async fn prefs_of(
    db: &impl ConnectionTrait,
    row: &digest_subscriber::Model,
) -> Result<DigestPreferences, sea_orm::DbErr> {
    let mut channels: Vec<i64> = digest_subscriber_channel::Entity::find()
        .filter(digest_subscriber_channel::Column::SubscriberId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.channel_id)
        .collect();
    channels.sort_unstable();
    Ok(DigestPreferences {
        frequency: Frequency::parse(&row.frequency).unwrap_or_default(),
        choice: ChannelChoice::parse(&row.channels).unwrap_or_default(),
        channels,
    })
}

/// Replace a subscription's picked channels.
async fn replace_picks(db: &impl ConnectionTrait, subscriber_id: i64, channels: &[i64]) -> Result<(), sea_orm::DbErr> {
    digest_subscriber_channel::Entity::delete_many()
        .filter(digest_subscriber_channel::Column::SubscriberId.eq(subscriber_id))
        .exec(db)
        .await?;
    if !channels.is_empty() {
        digest_subscriber_channel::Entity::insert_many(channels.iter().map(|&channel_id| {
            digest_subscriber_channel::ActiveModel {
                subscriber_id: Set(subscriber_id),
                channel_id: Set(channel_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Keep this person's preferences, picked channels included, in one transaction.
pub async fn save_preferences(
    db: &impl TransactionTrait,
    user_id: i64,
    prefs: &DigestPreferences,
) -> Result<(), sea_orm::DbErr> {
    let at = now();
    let txn = super::begin_write(db).await?;
    let existing = digest_subscriber::Entity::find()
        .filter(digest_subscriber::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut row: digest_subscriber::ActiveModel = row.into();
            row.frequency = Set(prefs.frequency.as_str().to_owned());
            row.channels = Set(prefs.choice.as_str().to_owned());
            row.updated_at = Set(at);
            row.update(&txn).await?;
            id
        }
        None => {
            digest_subscriber::ActiveModel {
                user_id: Set(Some(user_id)),
                email: Set(None),
                frequency: Set(prefs.frequency.as_str().to_owned()),
                channels: Set(prefs.choice.as_str().to_owned()),
                // An account holder's address is their sign-in, confirmed by it.
                confirmed_at: Set(Some(at)),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    replace_picks(&txn, id, &prefs.channels).await?;
    txn.commit().await
}

/// An email-only subscription: a partner or councillor with an address
/// and no account, who picks from the channels offered to them.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub email: String,
    /// The address's owner opened the confirmation link and said yes;
    /// until then nothing is sent to it.
    pub confirmed: bool,
    pub prefs: DigestPreferences,
}

/// An email-only subscription by its id.
pub async fn subscription(db: &impl ConnectionTrait, id: i64) -> Result<Option<Subscription>, sea_orm::DbErr> {
    let Some(row) = digest_subscriber::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.user_id.is_none())
    else {
        return Ok(None);
    };
    let Some(email) = row.email.clone() else {
        return Ok(None);
    };
    let prefs = prefs_of(db, &row).await?;
    Ok(Some(Subscription {
        id: row.id,
        email,
        confirmed: row.confirmed_at.is_some(),
        prefs,
    }))
}

/// What asking to subscribe an address did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A subscription waiting for its confirmation (new, or asked for again
    /// with these channels): send the link.
    Unconfirmed(i64),
    /// The address is already subscribed; nothing was changed (whoever
    /// asked may not be its owner).
    Confirmed(i64),
}

/// Ask for a subscription for `email` (lower case) to `channels`: a new
/// unconfirmed one, or an unconfirmed one's channels replaced and its
/// request time renewed. A confirmed one is left as its owner set it.
pub async fn request_subscription(
    db: &impl TransactionTrait,
    email: &str,
    channels: &[i64],
) -> Result<Requested, sea_orm::DbErr> {
    let at = now();
    let txn = super::begin_write(db).await?;
    // Two requests at once for a new address: the unique address makes one
    // insert a no-op, and both go on with the one row.
    digest_subscriber::Entity::insert(digest_subscriber::ActiveModel {
        user_id: Set(None),
        email: Set(Some(email.to_owned())),
        frequency: Set(Frequency::Weekly.as_str().to_owned()),
        channels: Set(ChannelChoice::Picked.as_str().to_owned()),
        confirmed_at: Set(None),
        requested_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(digest_subscriber::Column::Email)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let row = digest_subscriber::Entity::find()
        .filter(digest_subscriber::Column::Email.eq(email))
        .one(&txn)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("the subscription for {email}")))?;
    if row.confirmed_at.is_some() {
        txn.commit().await?;
        return Ok(Requested::Confirmed(row.id));
    }
    let id = row.id;
    let mut row: digest_subscriber::ActiveModel = row.into();
    row.frequency = Set(Frequency::Weekly.as_str().to_owned());
    row.channels = Set(ChannelChoice::Picked.as_str().to_owned());
    row.requested_at = Set(Some(at));
    row.updated_at = Set(at);
    row.update(&txn).await?;
    replace_picks(&txn, id, channels).await?;
    txn.commit().await?;
    Ok(Requested::Unconfirmed(id))
}

/// The owner of the address said yes: the subscription is confirmed (once;
/// saying it again changes nothing). `None` if there is no such subscription.
pub async fn confirm_subscription(db: &impl TransactionTrait, id: i64) -> Result<Option<Subscription>, sea_orm::DbErr> {
    let at = now();
    let txn = super::begin_write(db).await?;
    let Some(row) = digest_subscriber::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|r| r.user_id.is_none())
    else {
        return Ok(None);
    };
    if row.confirmed_at.is_none() {
        let mut row: digest_subscriber::ActiveModel = row.into();
        row.confirmed_at = Set(Some(at));
        row.updated_at = Set(at);
        row.update(&txn).await?;
    }
    let confirmed = subscription(&txn, id).await?;
    txn.commit().await?;
    Ok(confirmed)
}

/// Keep an email-only subscriber's choices: how often, and which of the
/// offered channels.
pub async fn save_subscription(
    db: &impl TransactionTrait,
    id: i64,
    frequency: Frequency,
    channels: &[i64],
) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    if let Some(row) = digest_subscriber::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|r| r.user_id.is_none())
    {
        let mut row: digest_subscriber::ActiveModel = row.into();
        row.frequency = Set(frequency.as_str().to_owned());
        row.channels = Set(ChannelChoice::Picked.as_str().to_owned());
        row.updated_at = Set(now());
        row.update(&txn).await?;
        replace_picks(&txn, id, channels).await?;
    }
    txn.commit().await
}

/// End an email-only subscription: the row and its picks are deleted (the
/// outbox keeps the rows of digests already sent, address included).
/// False if there was none.
pub async fn remove_subscription(db: &impl TransactionTrait, id: i64) -> Result<bool, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let Some(row) = digest_subscriber::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|r| r.user_id.is_none())
    else {
        return Ok(false);
    };
    replace_picks(&txn, row.id, &[]).await?;
    digest_subscriber::Entity::delete_by_id(row.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// A channel offered to email-only subscribers, as the forms list it.
#[derive(Debug, Clone)]
pub struct OfferedChannel {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// The channels an email-only subscriber may have now, by name: open, not
/// archived, and offered to them by an administrator (the policy decides).
pub async fn offered_channels(db: &impl ConnectionTrait) -> Result<Vec<OfferedChannel>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        slug: String,
        name: String,
        description: String,
        visibility: String,
        archived_at: Option<DateTime<Utc>>,
        digest_open: bool,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT id, slug, name, description, visibility, archived_at, digest_open FROM channels \
         WHERE digest_open = ? ORDER BY LOWER(name), id",
        vec![true.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            let facts = ChannelFacts {
                visibility: Visibility::parse(&r.visibility),
                archived: r.archived_at.is_some(),
                // An outsider is a member of nothing and manages nothing.
                is_member: false,
                is_manager: false,
            };
            policy::outsider_may_read(&facts, r.digest_open)
        })
        .map(|r| OfferedChannel {
            id: r.id,
            slug: r.slug,
            name: r.name,
            description: r.description,
        })
        .collect())
}

/// The address a recipient's digest goes to, if they still exist.
pub async fn address_of(db: &impl ConnectionTrait, recipient: Recipient) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(match recipient {
        Recipient::Account(id) => crate::entities::user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.email),
        Recipient::Subscriber(id) => digest_subscriber::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|s| s.user_id.is_none())
            .and_then(|s| s.email),
    })
}

/// Stop the digest for a recipient (their other choices are kept, so
/// switching it back on restores them).
pub async fn switch_off(
    db: &(impl TransactionTrait + ConnectionTrait),
    recipient: Recipient,
) -> Result<(), sea_orm::DbErr> {
    match recipient {
        Recipient::Account(id) => {
            let mut prefs = preferences(db, id).await?;
            prefs.frequency = Frequency::Never;
            save_preferences(db, id, &prefs).await
        }
        Recipient::Subscriber(id) => {
            let txn = super::begin_write(db).await?;
            if let Some(row) = digest_subscriber::Entity::find_by_id(id).one(&txn).await? {
                let mut row: digest_subscriber::ActiveModel = row.into();
                row.frequency = Set(Frequency::Never.as_str().to_owned());
                row.updated_at = Set(now());
                row.update(&txn).await?;
            }
            txn.commit().await
        }
    }
}

/// One reader's digest for `week` (from `span.0` until `span.1`), chosen
/// under what they may read now: the week's most engaged posts in the
/// channels the digest covers (grouped by channel), threads they took part
/// in that others replied to, mentions of them, and new channels.
pub async fn contents(
    db: &impl ConnectionTrait,
    reader: &Actor,
    prefs: &DigestPreferences,
    week: DigestWeek,
    span: (DateTime<Utc>, DateTime<Utc>),
) -> Result<DigestContents, sea_orm::DbErr> {
    let readable = channels::readable_ids(db, reader).await?;
    let covered: Vec<i64> = match prefs.choice {
        ChannelChoice::Picked => prefs.channels.clone(),
        ChannelChoice::Followed => channel_follow::Entity::find()
            .filter(channel_follow::Column::UserId.eq(reader.user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.channel_id)
            .collect(),
    }
    .into_iter()
    .filter(|id| readable.contains(id))
    .collect();
    let scope = Scope {
        covered: &covered,
        announced: &readable,
        reader: Some((reader.user_id, &readable)),
    };
    assemble(db, week, span, scope).await
}

/// An email-only subscriber's digest for `week`, chosen under what an
/// outsider may read now: their picked channels that are still offered
/// (open, not archived, still marked for subscribers), the picks and top
/// posts of those, and new channels only if offered. They have no account,
/// so no threads and no mentions; and the editor's note is written for
/// staff, so it is left out too.
pub async fn subscriber_contents(
    db: &impl ConnectionTrait,
    prefs: &DigestPreferences,
    week: DigestWeek,
    span: (DateTime<Utc>, DateTime<Utc>),
) -> Result<DigestContents, sea_orm::DbErr> {
    let offered: Vec<i64> = offered_channels(db).await?.into_iter().map(|c| c.id).collect();
    let covered: Vec<i64> = prefs
        .channels
        .iter()
        .copied()
        .filter(|id| offered.contains(id))
        .collect();
    let scope = Scope {
        covered: &covered,
        announced: &offered,
        reader: None,
    };
    assemble(db, week, span, scope).await
}

/// What every account holder's digest for a week draws on that does not
/// depend on who reads it, read once for a whole send: the editor's note,
/// the picks, each channel's most engaged posts and the new channels, of
/// every channel. Each reader's digest takes from it only what their
/// channels allow (`contents_from`). A reader's top posts are the best of
/// the union of each of their channels' own top posts, so keeping each
/// channel's best `TOP_POSTS` loses nothing.
pub struct WeekMaterial {
    week: DigestWeek,
    from: DateTime<Utc>,
    /// The end of the week.
    end: DateTime<Utc>,
    /// When it was read: a long send reads it again now and then.
    pub read_at: std::time::Instant,
    note: Option<String>,
    /// In the order they were featured.
    picks: Vec<Candidate>,
    /// Per channel, best first.
    top: std::collections::HashMap<i64, Vec<Candidate>>,
    /// By name, with their ids.
    new_channels: Vec<(i64, NewChannel)>,
}

/// A post a week's digests may carry, and what ranks it.
#[derive(Clone)]
struct Candidate {
    channel_id: i64,
    score: i64,
    published_at: DateTime<Utc>,
    name: String,
    post: DigestPost,
}

/// A post as the week's material reads it.
#[derive(FromQueryResult)]
struct CandidateRow {
    id: i64,
    channel_id: i64,
    title: String,
    url: Option<String>,
    body_md: String,
    reply_count: i32,
    reactions: i64,
    published_at: DateTime<Utc>,
    slug: String,
    name: String,
}

impl CandidateRow {
    fn candidate(self) -> Candidate {
        let replies = i64::from(self.reply_count);
        Candidate {
            channel_id: self.channel_id,
            // As `top_posts` ranks them.
            score: replies * 3 + self.reactions,
            published_at: self.published_at,
            post: DigestPost {
                post_id: self.id,
                channel_slug: self.slug,
                title: self.title,
                url: self.url,
                excerpt: markdown::excerpt(&self.body_md, 240),
                replies,
                reactions: self.reactions,
            },
            name: self.name,
        }
    }
}

/// Read what every reader's digest for `week` draws on (see `WeekMaterial`).
pub async fn week_material(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    span: (DateTime<Utc>, DateTime<Utc>),
) -> Result<WeekMaterial, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct ChannelRow {
        id: i64,
        slug: String,
        name: String,
        description: String,
    }
    let (from, until) = (span.0, span.1.min(now()));
    let columns = "p.id, p.channel_id, p.title, p.url, p.body_md, p.reply_count, p.published_at, c.slug, c.name, \
        (SELECT COUNT(*) FROM post_reactions r WHERE r.post_id = p.id) AS reactions";
    let picks = CandidateRow::find_by_statement(sql(
        db,
        &format!(
            "SELECT {columns} FROM digest_features f JOIN posts p ON p.id = f.post_id \
             JOIN channels c ON c.id = p.channel_id \
             WHERE f.week = ? AND p.published_at < ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
             ORDER BY f.featured_at, p.id"
        ),
        vec![week.to_string().into(), until.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(CandidateRow::candidate)
    .collect();
    // Each channel's best TOP_POSTS, ranked as `top_posts` ranks them.
    let ranked = CandidateRow::find_by_statement(sql(
        db,
        &format!(
            "SELECT id, channel_id, title, url, body_md, reply_count, published_at, slug, name, reactions FROM ( \
               SELECT w.*, ROW_NUMBER() OVER (PARTITION BY w.channel_id \
                 ORDER BY w.reply_count * 3 + w.reactions DESC, w.published_at DESC, w.id DESC) AS place \
               FROM (SELECT {columns} FROM posts p JOIN channels c ON c.id = p.channel_id \
                     WHERE p.published_at >= ? AND p.published_at < ? \
                       AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
                       AND p.id NOT IN (SELECT f.post_id FROM digest_features f WHERE f.week = ?)) w \
             ) ranked WHERE place <= ? ORDER BY channel_id, place"
        ),
        vec![
            from.into(),
            until.into(),
            week.to_string().into(),
            (TOP_POSTS as i64).into(),
        ],
    ))
    .all(db)
    .await?;
    let mut top: std::collections::HashMap<i64, Vec<Candidate>> = std::collections::HashMap::new();
    for row in ranked {
        top.entry(row.channel_id).or_default().push(row.candidate());
    }
    let new_channels = ChannelRow::find_by_statement(sql(
        db,
        "SELECT id, slug, name, description FROM channels \
         WHERE created_at >= ? AND created_at < ? AND archived_at IS NULL ORDER BY LOWER(name), id",
        vec![from.into(), until.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.id,
            NewChannel {
                slug: r.slug,
                name: r.name,
                description: r.description,
            },
        )
    })
    .collect();
    Ok(WeekMaterial {
        week,
        from,
        end: span.1,
        read_at: std::time::Instant::now(),
        note: note(db, week).await?.map(|md| markdown::plain_text(&md).0),
        picks,
        top,
        new_channels,
    })
}

/// What a send needs to know about one account holder, as things stand
/// when their digest is put together.
pub struct DigestReader {
    pub active: bool,
    /// Their roles and private-channel memberships, for the policy.
    pub actor: Actor,
    pub prefs: DigestPreferences,
    /// The channels they may read now, and of those the ones they follow.
    pub scope: channels::Scope,
}

/// One account holder as the digest sees them, from one statement and one
/// row: their status, digest preferences, and as lists their roles,
/// memberships, picked and followed channels, and every channel's policy
/// facts. Lean on purpose: the per-request account read also counts
/// notices and pending guidelines, which a digest never shows; and one row
/// of lists, not a row per channel, because each row and value crosses
/// from SQLite's thread one by one. `None` if there is no such account.
pub async fn reader(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<DigestReader>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        frequency: Option<String>,
        choice: Option<String>,
        /// Comma-separated, as are the rest.
        roles: Option<String>,
        members: Option<String>,
        picks: Option<String>,
        follows: Option<String>,
        /// `id visibility archived(0/1)` for each channel.
        channels: Option<String>,
    }
    let Some(row) = Row::find_by_statement(sql(
        db,
        "SELECT u.status, s.frequency, s.channels AS choice, \
           (SELECT string_agg(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles, \
           (SELECT string_agg(CAST(m.channel_id AS TEXT), ',') FROM channel_members m WHERE m.user_id = u.id) \
             AS members, \
           (SELECT string_agg(CAST(sc.channel_id AS TEXT), ',') FROM digest_subscriber_channels sc \
             WHERE sc.subscriber_id = s.id) AS picks, \
           (SELECT string_agg(CAST(f.channel_id AS TEXT), ',') FROM channel_follows f WHERE f.user_id = u.id) \
             AS follows, \
           (SELECT string_agg(CAST(c.id AS TEXT) || ' ' || c.visibility || ' ' || \
             CASE WHEN c.archived_at IS NULL THEN '0' ELSE '1' END, ',') FROM channels c) AS channels \
         FROM users u LEFT JOIN digest_subscribers s ON s.user_id = u.id WHERE u.id = ?",
        vec![user_id.into()],
    ))
    .one(db)
    .await?
    else {
        return Ok(None);
    };
    fn list(text: &Option<String>) -> impl Iterator<Item = &str> {
        text.as_deref().unwrap_or_default().split(',').filter(|s| !s.is_empty())
    }
    fn ids(text: &Option<String>) -> Vec<i64> {
        list(text).filter_map(|s| s.parse().ok()).collect()
    }
    let mut picked = ids(&row.picks);
    picked.sort_unstable();
    let prefs = DigestPreferences {
        frequency: row.frequency.as_deref().and_then(Frequency::parse).unwrap_or_default(),
        choice: row.choice.as_deref().and_then(ChannelChoice::parse).unwrap_or_default(),
        channels: picked,
    };
    let roles = list(&row.roles).filter_map(Role::parse).collect();
    let actor = Actor::reader(user_id, roles, ids(&row.members));
    let follows = ids(&row.follows);
    let mut scope = channels::Scope {
        readable: Vec::new(),
        followed: Vec::new(),
    };
    for channel in list(&row.channels) {
        let mut facts = channel.split(' ');
        let (Some(id), Some(visibility), Some(archived)) = (facts.next(), facts.next(), facts.next()) else {
            continue;
        };
        let Ok(id) = id.parse() else { continue };
        let facts = channels::facts(id, Visibility::parse(visibility), archived == "1", &actor);
        if policy::can_read_channel(&actor, &facts) {
            scope.readable.push(id);
            if follows.contains(&id) {
                scope.followed.push(id);
            }
        }
    }
    Ok(Some(DigestReader {
        active: row.status == "active",
        actor,
        prefs,
        scope,
    }))
}

/// One reader's digest, as `contents` would put it together, drawing the
/// week's shared part from `material` and the rest (their threads and
/// mentions) from the database now, in one statement that also checks the
/// posts it would carry once more: `None` if one was deleted, hidden or
/// moved since `material` was read (read it again).
pub async fn contents_from(
    db: &impl ConnectionTrait,
    material: &WeekMaterial,
    reader: &DigestReader,
) -> Result<Option<DigestContents>, sea_orm::DbErr> {
    let (scope, prefs) = (&reader.scope, &reader.prefs);
    let covered: Vec<i64> = match prefs.choice {
        ChannelChoice::Picked => prefs
            .channels
            .iter()
            .copied()
            .filter(|id| scope.readable.contains(id))
            .collect(),
        ChannelChoice::Followed => scope.followed.clone(),
    };
    let picks: Vec<DigestPost> = material
        .picks
        .iter()
        .filter(|c| covered.contains(&c.channel_id))
        .map(|c| c.post.clone())
        .collect();
    let mut best: Vec<&Candidate> = covered.iter().filter_map(|id| material.top.get(id)).flatten().collect();
    // Most engaged first; then the latest, as `top_posts` orders them.
    best.sort_by_key(|c| std::cmp::Reverse((c.score, c.published_at, c.post.post_id)));
    best.truncate(TOP_POSTS as usize);
    let mut sections: Vec<ChannelSection> = Vec::new();
    for c in best {
        match sections.iter_mut().find(|s| s.slug == c.post.channel_slug) {
            Some(section) => section.posts.push(c.post.clone()),
            None => sections.push(ChannelSection {
                slug: c.post.channel_slug.clone(),
                name: c.name.clone(),
                posts: vec![c.post.clone()],
            }),
        }
    }
    let ids: Vec<i64> = picks
        .iter()
        .chain(sections.iter().flat_map(|s| s.posts.iter()))
        .map(|p| p.post_id)
        .collect();
    // Threads and mentions are read now, so up to now.
    let until = material.end.min(now());
    let news = news(
        db,
        reader.actor.user_id,
        &scope.readable,
        &ids,
        &covered,
        material.from,
        until,
    )
    .await?;
    if usize::try_from(news.still).ok() != Some(ids.len()) {
        return Ok(None);
    }
    Ok(Some(DigestContents {
        week: material.week,
        note: material.note.clone(),
        picks,
        sections,
        threads: news.threads,
        mentions: news.mentions,
        new_channels: material
            .new_channels
            .iter()
            .filter(|(id, _)| scope.readable.contains(id))
            .map(|(_, c)| c.clone())
            .collect(),
    }))
}

/// What `news` read for one reader.
struct News {
    threads: Vec<ThreadNews>,
    mentions: Vec<Mention>,
    /// How many of the posts asked about are still there, in the channels given.
    still: i64,
}

/// A reader's threads with new replies and their mentions (as `thread_news`
/// and `mentions` read them), and how many of the posts `ids` are still
/// there (not deleted or hidden) in the channels `covered`, in one
/// statement: one round trip per reader instead of three.
async fn news(
    db: &impl ConnectionTrait,
    reader_id: i64,
    readable: &[i64],
    ids: &[i64],
    covered: &[i64],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<News, sea_orm::DbErr> {
    /// A thread (`n` new replies), a mention (`reply_id`, `author_name`), or
    /// the count of posts still there (`n`); `place` orders each kind.
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        post_id: Option<i64>,
        reply_id: Option<i64>,
        title: Option<String>,
        author_name: Option<String>,
        n: Option<i64>,
        place: i64,
    }
    let mut news = News {
        threads: Vec::new(),
        mentions: Vec::new(),
        still: 0,
    };
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if !readable.is_empty() {
        let readable = &padded(readable)[..];
        let channels = placeholders(readable.len());
        // As `thread_news`: from the reader's own posts and replies.
        parts.push(format!(
            "SELECT * FROM (SELECT 'thread' AS kind, p.id AS post_id, CAST(NULL AS BIGINT) AS reply_id, p.title, \
               CAST(NULL AS TEXT) AS author_name, COUNT(r.id) AS n, \
               ROW_NUMBER() OVER (ORDER BY MAX(r.created_at) DESC, p.id DESC) AS place \
             FROM posts p JOIN replies r ON r.post_id = p.id \
             WHERE p.id IN (SELECT mine.id FROM posts mine WHERE mine.author_id = ? \
                            UNION SELECT mine.post_id FROM replies mine \
                            WHERE mine.author_id = ? AND mine.deleted_at IS NULL) \
               AND r.created_at >= ? AND r.created_at < ? AND r.author_id <> ? \
               AND r.deleted_at IS NULL AND r.hidden_at IS NULL \
               AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
               AND p.channel_id IN ({channels}) \
             GROUP BY p.id, p.title ORDER BY MAX(r.created_at) DESC, p.id DESC LIMIT ?) threads"
        ));
        values.extend([
            reader_id.into(),
            reader_id.into(),
            from.into(),
            until.into(),
            reader_id.into(),
        ]);
        values = with_ids(values, readable);
        values.push((TOP_NEWS as i64).into());
        // As `mentions`.
        parts.push(format!(
            "SELECT * FROM (SELECT 'mention' AS kind, m.post_id, m.reply_id, p.title, u.name AS author_name, \
               CAST(NULL AS BIGINT) AS n, ROW_NUMBER() OVER (ORDER BY m.created_at DESC, m.id DESC) AS place \
             FROM mentions m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = m.author_id \
               LEFT JOIN replies r ON r.id = m.reply_id \
             WHERE m.user_id = ? AND m.created_at >= ? AND m.created_at < ? \
               AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at < ? \
               AND (m.reply_id IS NULL OR (r.deleted_at IS NULL AND r.hidden_at IS NULL)) \
               AND p.channel_id IN ({channels}) \
             ORDER BY m.created_at DESC, m.id DESC LIMIT ?) mentioned"
        ));
        values.extend([reader_id.into(), from.into(), until.into(), until.into()]);
        values = with_ids(values, readable);
        values.push((TOP_NEWS as i64).into());
    }
    if !ids.is_empty() {
        let (some, channels) = (padded(ids), padded(covered));
        parts.push(format!(
            "SELECT 'still' AS kind, CAST(NULL AS BIGINT) AS post_id, CAST(NULL AS BIGINT) AS reply_id, \
               CAST(NULL AS TEXT) AS title, CAST(NULL AS TEXT) AS author_name, COUNT(*) AS n, \
               CAST(0 AS BIGINT) AS place \
             FROM posts WHERE id IN ({}) AND channel_id IN ({}) AND deleted_at IS NULL AND hidden_at IS NULL",
            placeholders(some.len()),
            placeholders(channels.len())
        ));
        values = with_ids(with_ids(values, &some), &channels);
    }
    if parts.is_empty() {
        return Ok(news);
    }
    let mut rows = Row::find_by_statement(sql(db, &parts.join(" UNION ALL "), values))
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.place);
    for row in rows {
        match (row.kind.as_str(), row.post_id) {
            ("thread", Some(post_id)) => news.threads.push(ThreadNews {
                post_id,
                title: row.title.unwrap_or_default(),
                new_replies: row.n.unwrap_or_default(),
            }),
            ("mention", Some(post_id)) => news.mentions.push(Mention {
                post_id,
                reply_id: row.reply_id,
                title: row.title.unwrap_or_default(),
                by: row.author_name.unwrap_or_default(),
            }),
            ("still", _) => news.still = row.n.unwrap_or_default(),
            _ => {}
        }
    }
    Ok(news)
}

/// What one digest may draw on, already checked against what its reader
/// may read now.
struct Scope<'a> {
    /// The channels its posts (picks and the rest) come from.
    covered: &'a [i64],
    /// The channels it may announce as new.
    announced: &'a [i64],
    /// An account holder, and the channels they may read: their threads and
    /// mentions come from those, and they read the editor's note (written
    /// for staff). None for someone without an account.
    reader: Option<(i64, &'a [i64])>,
}

/// Put a digest together from what its scope allows.
async fn assemble(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    span: (DateTime<Utc>, DateTime<Utc>),
    scope: Scope<'_>,
) -> Result<DigestContents, sea_orm::DbErr> {
    // Never past now: a post scheduled for later this week is not out yet.
    let until = span.1.min(now());
    let (note, threads, mentions) = match scope.reader {
        Some((reader_id, readable)) => (
            note(db, week).await?.map(|md| markdown::plain_text(&md).0),
            thread_news(db, reader_id, readable, span.0, until).await?,
            mentions(db, reader_id, readable, span.0, until).await?,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    Ok(DigestContents {
        week,
        note,
        picks: picks(db, week, scope.covered, until).await?,
        sections: top_posts(db, week, scope.covered, span.0, until).await?,
        threads,
        mentions,
        new_channels: new_channels(db, scope.announced, span.0, until).await?,
    })
}

/// Of what `contents` links to, what `reader` may read now: posts still
/// there (not deleted or hidden) in channels they may read, and those channels.
pub async fn still_readable(
    db: &impl ConnectionTrait,
    reader: &Actor,
    contents: &DigestContents,
) -> Result<StillReadable, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    let readable = channels::readable_ids(db, reader).await?;
    let mut out = StillReadable::default();
    if readable.is_empty() {
        return Ok(out);
    }
    let ids = contents.post_ids();
    if !ids.is_empty() {
        let text = format!(
            "SELECT id FROM posts WHERE id IN ({}) AND channel_id IN ({}) \
               AND deleted_at IS NULL AND hidden_at IS NULL",
            placeholders(ids.len()),
            placeholders(readable.len())
        );
        let values = with_ids(with_ids(Vec::new(), &ids), &readable);
        out.posts = Id::find_by_statement(sql(db, &text, values))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
    }
    if !contents.new_channels.is_empty() {
        let text = format!(
            "SELECT slug FROM channels WHERE id IN ({})",
            placeholders(readable.len())
        );
        out.channels = Slug::find_by_statement(sql(db, &text, with_ids(Vec::new(), &readable)))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.slug)
            .collect();
    }
    Ok(out)
}

/// `ids` for an `IN (…)` list, the last one repeated up to a multiple of
/// 16: readers with different numbers of channels then share a handful of
/// statements, where each count was one more statement to prepare and keep
/// on every pooled connection (thousands of readers, memory and time).
fn padded(ids: &[i64]) -> Vec<i64> {
    let mut out = ids.to_vec();
    if let Some(&last) = ids.last() {
        out.resize(ids.len().div_ceil(16) * 16, last);
    }
    out
}

fn with_ids(mut values: Vec<Value>, ids: &[i64]) -> Vec<Value> {
    values.extend(ids.iter().map(|&id| id.into()));
    values
}

/// A post as the digest queries read it.
#[derive(FromQueryResult)]
struct PostRow {
    id: i64,
    title: String,
    url: Option<String>,
    body_md: String,
    reply_count: i32,
    reactions: i64,
    slug: String,
    name: String,
}

impl PostRow {
    const COLUMNS: &'static str = "p.id, p.title, p.url, p.body_md, p.reply_count, c.slug, c.name, \
        (SELECT COUNT(*) FROM post_reactions r WHERE r.post_id = p.id) AS reactions";

    fn post(&self) -> DigestPost {
        DigestPost {
            post_id: self.id,
            channel_slug: self.slug.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            excerpt: markdown::excerpt(&self.body_md, 240),
            replies: i64::from(self.reply_count),
            reactions: self.reactions,
        }
    }
}

/// The posts curators featured for `week`, in the order they were featured.
async fn picks(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    channel_ids: &[i64],
    until: DateTime<Utc>,
) -> Result<Vec<DigestPost>, sea_orm::DbErr> {
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let text = format!(
        "SELECT {} FROM digest_features f JOIN posts p ON p.id = f.post_id JOIN channels c ON c.id = p.channel_id \
         WHERE f.week = ? AND p.published_at < ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
           AND p.channel_id IN ({}) ORDER BY f.featured_at, p.id",
        PostRow::COLUMNS,
        placeholders(channel_ids.len())
    );
    let values = with_ids(vec![week.to_string().into(), until.into()], channel_ids);
    Ok(PostRow::find_by_statement(sql(db, &text, values))
        .all(db)
        .await?
        .iter()
        .map(PostRow::post)
        .collect())
}

/// The week's most engaged posts (not the featured ones), grouped by channel.
async fn top_posts(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    channel_ids: &[i64],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ChannelSection>, sea_orm::DbErr> {
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let text = format!(
        "SELECT {} FROM posts p JOIN channels c ON c.id = p.channel_id \
         WHERE p.published_at >= ? AND p.published_at < ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
           AND p.id NOT IN (SELECT f.post_id FROM digest_features f WHERE f.week = ?) \
           AND p.channel_id IN ({}) \
         ORDER BY p.reply_count * 3 + (SELECT COUNT(*) FROM post_reactions r WHERE r.post_id = p.id) DESC, \
           p.published_at DESC, p.id DESC LIMIT ?",
        PostRow::COLUMNS,
        placeholders(channel_ids.len())
    );
    let mut values = with_ids(vec![from.into(), until.into(), week.to_string().into()], channel_ids);
    values.push((TOP_POSTS as i64).into());
    let rows = PostRow::find_by_statement(sql(db, &text, values)).all(db).await?;
    // Grouped by channel, channels in the order of their best post.
    let mut sections: Vec<ChannelSection> = Vec::new();
    for r in rows {
        let post = r.post();
        match sections.iter_mut().find(|s| s.slug == r.slug) {
            Some(section) => section.posts.push(post),
            None => sections.push(ChannelSection {
                slug: r.slug,
                name: r.name,
                posts: vec![post],
            }),
        }
    }
    Ok(sections)
}

async fn thread_news(
    db: &impl ConnectionTrait,
    reader_id: i64,
    readable: &[i64],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ThreadNews>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        title: String,
        new_replies: i64,
    }
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    let readable = &padded(readable)[..];
    // Start from the reader's own posts and replies (a few), not from the
    // week's replies (thousands, for each of thousands of readers).
    let text = format!(
        "SELECT p.id, p.title, COUNT(r.id) AS new_replies \
         FROM posts p JOIN replies r ON r.post_id = p.id \
         WHERE p.id IN (SELECT mine.id FROM posts mine WHERE mine.author_id = ? \
                        UNION SELECT mine.post_id FROM replies mine \
                        WHERE mine.author_id = ? AND mine.deleted_at IS NULL) \
           AND r.created_at >= ? AND r.created_at < ? AND r.author_id <> ? \
           AND r.deleted_at IS NULL AND r.hidden_at IS NULL \
           AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
           AND p.channel_id IN ({}) \
         GROUP BY p.id, p.title ORDER BY MAX(r.created_at) DESC, p.id DESC LIMIT ?",
        placeholders(readable.len())
    );
    let mut values = with_ids(
        vec![
            reader_id.into(),
            reader_id.into(),
            from.into(),
            until.into(),
            reader_id.into(),
        ],
        readable,
    );
    values.push((TOP_NEWS as i64).into());
    Ok(Row::find_by_statement(sql(db, &text, values))
        .all(db)
        .await?
        .into_iter()
        .map(|r| ThreadNews {
            post_id: r.id,
            title: r.title,
            new_replies: r.new_replies,
        })
        .collect())
}

async fn mentions(
    db: &impl ConnectionTrait,
    reader_id: i64,
    readable: &[i64],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Mention>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        post_id: i64,
        reply_id: Option<i64>,
        title: String,
        author_name: String,
    }
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    let readable = &padded(readable)[..];
    let text = format!(
        "SELECT m.post_id, m.reply_id, p.title, u.name AS author_name \
         FROM mentions m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = m.author_id \
           LEFT JOIN replies r ON r.id = m.reply_id \
         WHERE m.user_id = ? AND m.created_at >= ? AND m.created_at < ? \
           AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at < ? \
           AND (m.reply_id IS NULL OR (r.deleted_at IS NULL AND r.hidden_at IS NULL)) \
           AND p.channel_id IN ({}) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
        placeholders(readable.len())
    );
    let mut values = with_ids(
        vec![reader_id.into(), from.into(), until.into(), until.into()],
        readable,
    );
    values.push((TOP_NEWS as i64).into());
    Ok(Row::find_by_statement(sql(db, &text, values))
        .all(db)
        .await?
        .into_iter()
        .map(|r| Mention {
            post_id: r.post_id,
            reply_id: r.reply_id,
            title: r.title,
            by: r.author_name,
        })
        .collect())
}

async fn new_channels(
    db: &impl ConnectionTrait,
    readable: &[i64],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<NewChannel>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        slug: String,
        name: String,
        description: String,
    }
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    let text = format!(
        "SELECT slug, name, description FROM channels \
         WHERE created_at >= ? AND created_at < ? AND archived_at IS NULL AND id IN ({}) ORDER BY LOWER(name), id",
        placeholders(readable.len())
    );
    Ok(
        Row::find_by_statement(sql(db, &text, with_ids(vec![from.into(), until.into()], readable)))
            .all(db)
            .await?
            .into_iter()
            .map(|r| NewChannel {
                slug: r.slug,
                name: r.name,
                description: r.description,
            })
            .collect(),
    )
}

/// The editor's note for a week's digest, as written (Markdown), if any.
pub async fn note(db: &impl ConnectionTrait, week: DigestWeek) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(digest_note::Entity::find_by_id(week.to_string())
        .one(db)
        .await?
        .map(|n| n.body_md))
}

/// Write (or, with empty text, remove) the editor's note for a week.
pub async fn save_note(
    db: &impl TransactionTrait,
    author_id: i64,
    week: DigestWeek,
    body_md: &str,
) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    digest_note::Entity::delete_by_id(week.to_string()).exec(&txn).await?;
    if !body_md.trim().is_empty() {
        digest_note::ActiveModel {
            week: Set(week.to_string()),
            body_md: Set(body_md.trim().to_owned()),
            author_id: Set(Some(author_id)),
            updated_at: Set(now()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await
}

/// Feature a post in the digest for `week`, or stop featuring it.
pub async fn set_featured(
    db: &impl TransactionTrait,
    actor_id: i64,
    post_id: i64,
    week: DigestWeek,
    featured: bool,
) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    digest_feature::Entity::delete_by_id((week.to_string(), post_id))
        .exec(&txn)
        .await?;
    if featured {
        digest_feature::ActiveModel {
            week: Set(week.to_string()),
            post_id: Set(post_id),
            featured_by: Set(Some(actor_id)),
            featured_at: Set(now()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await
}
