//! Posts: timelines (keyset-paginated), the post itself, creating, editing and soft-deleting.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set, TransactionTrait,
    Value,
};

use super::mentions;
use super::notifications;
use super::outbox::{self, Changed};
use super::reactions::{self, Tally};
use super::replies::ReplyView;
use super::users::PersonChip;
use super::{audit, placeholders, sql};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::cursor::{Cursor, PageAt};
use crate::domain::feed::SourceCredit;
use crate::domain::job::Job;
use crate::domain::policy::{self, Actor, ContentFacts, Deletion, Visibility};
use crate::domain::post::{PostDraft, PostKind};
use crate::domain::time::{When, now};
use crate::entities::{channel, post};

use super::announcements::{Announcement, Standing};
use super::channels::Channel;

pub const PAGE_SIZE: u64 = 20;

/// A post as shown in a timeline or at the top of its thread.
#[derive(Debug, Clone)]
pub struct PostCard {
    pub id: i64,
    pub channel_slug: String,
    pub channel_name: String,
    pub author: PersonChip,
    pub kind: PostKind,
    pub title: String,
    pub url: Option<String>,
    pub domain: Option<String>,
    pub body_html: String,
    pub published: When,
    pub edited: Option<When>,
    pub reply_count: i32,
    pub last_activity: When,
    pub reactions: Vec<Tally>,
    /// Whether the viewer may react (asked of the policy when the card was loaded).
    pub can_react: bool,
    /// The feed a curated link came from, by the name it had when shared.
    pub source_feed: Option<String>,
    /// That feed's website.
    pub source_site: Option<String>,
    /// The share it was part of, when one action shared the link into several channels.
    pub share_group: Option<i64>,
    /// The posts of that share in other channels the viewer may read.
    pub also_in: Vec<Sibling>,
    /// Set while the post waits to be published (only its author sees it).
    pub scheduled_for: Option<When>,
}

impl PostCard {
    pub fn is_link(&self) -> bool {
        self.kind == PostKind::Link
    }

    pub fn react_url(&self) -> String {
        format!("/p/{}/react", self.id)
    }

    pub fn anchor(&self) -> String {
        format!("post-{}", self.id)
    }

    pub fn tallies(&self) -> &[Tally] {
        &self.reactions
    }
}

/// Another post of the same share: the same link, with its own discussion, in another channel.
#[derive(Debug, Clone)]
pub struct Sibling {
    pub post_id: i64,
    pub channel_slug: String,
}

/// One page of a timeline, where the next older page starts (if there is
/// one) and the way back to newer posts (if there are any).
pub struct Timeline {
    pub posts: Vec<PostCard>,
    pub next: Option<Cursor>,
    pub newer: Option<Newer>,
}

/// Where the newer posts before a page are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newer {
    /// All on the newest page.
    Newest,
    /// On the page that ends just after this post; the newest page is further still.
    After(Cursor),
}

#[derive(Clone, FromQueryResult)]
struct CardRow {
    id: i64,
    channel_id: i64,
    channel_slug: String,
    channel_name: String,
    author_id: i64,
    author_name: String,
    author_handle: String,
    kind: String,
    title: String,
    url: Option<String>,
    url_domain: Option<String>,
    body_html: String,
    published_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    reply_count: i32,
    last_activity_at: DateTime<Utc>,
    channel_visibility: String,
    channel_archived_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    hidden_at: Option<DateTime<Utc>>,
    source_feed: Option<String>,
    source_site: Option<String>,
    share_group: Option<i64>,
    /// The post's reactions, as `reactions::as_json` reads them.
    reactions: String,
}

/// The card's columns and tables, with the post's reactions beside them.
fn card_columns(db: &impl ConnectionTrait) -> String {
    let reactions = reactions::as_json(db.get_database_backend(), reactions::On::Posts, "p.id");
    format!("{CARD_COLUMNS}, {reactions} AS reactions {CARD_TABLES}")
}

const CARD_COLUMNS: &str = "p.id, p.channel_id, c.slug AS channel_slug, c.name AS channel_name, p.author_id, \
    c.visibility AS channel_visibility, c.archived_at AS channel_archived_at, p.deleted_at, p.hidden_at, \
    u.name AS author_name, u.handle AS author_handle, p.kind, p.title, p.url, p.url_domain, p.body_html, \
    p.published_at, p.edited_at, p.reply_count, p.last_activity_at, p.source_feed_title AS source_feed, \
    p.source_site_url AS source_site, p.share_group";

const CARD_TABLES: &str = "FROM posts p JOIN channels c ON c.id = p.channel_id JOIN users u ON u.id = p.author_id";

fn card(row: CardRow, viewer: &Actor) -> Result<PostCard, sea_orm::DbErr> {
    let reactions = reactions::from_json(&row.reactions, viewer.user_id)?;
    let channel = super::channels::facts(
        row.channel_id,
        Visibility::parse(&row.channel_visibility),
        row.channel_archived_at.is_some(),
        viewer,
    );
    let scheduled = row.published_at > now();
    let content = ContentFacts {
        author_id: row.author_id,
        deleted: row.deleted_at.is_some(),
        hidden: row.hidden_at.is_some(),
        scheduled,
    };
    Ok(PostCard {
        can_react: policy::can_react(viewer, &channel, &content),
        id: row.id,
        channel_slug: row.channel_slug,
        channel_name: row.channel_name,
        author: PersonChip::new(row.author_id, row.author_name, row.author_handle),
        kind: PostKind::from_stored(&row.kind),
        title: row.title,
        url: row.url,
        domain: row.url_domain,
        body_html: row.body_html,
        published: When::new(row.published_at),
        edited: row.edited_at.map(When::new),
        reply_count: row.reply_count,
        last_activity: When::new(row.last_activity_at),
        reactions,
        source_feed: row.source_feed,
        source_site: row.source_site,
        share_group: row.share_group,
        also_in: Vec::new(),
        scheduled_for: scheduled.then(|| When::new(row.published_at)),
    })
}

/// One page of newest-first posts in the given channels.
/// The caller passes only channels the viewer may read (ask the policy).
pub async fn timeline(
    db: &impl ConnectionTrait,
    channel_ids: &[i64],
    at: PageAt,
    viewer: &Actor,
) -> Result<Timeline, sea_orm::DbErr> {
    if channel_ids.is_empty() {
        return Ok(Timeline {
            posts: Vec::new(),
            next: None,
            newer: None,
        });
    }
    let (rows, next, newer) = match at {
        PageAt::Newest => older_page(db, channel_ids, None).await?,
        PageAt::Before(before) => older_page(db, channel_ids, Some(before)).await?,
        PageAt::After(after) => match newer_page(db, channel_ids, after).await? {
            Some(found) => found,
            // Every post newer than `after` is on the newest page.
            None => older_page(db, channel_ids, None).await?,
        },
    };
    let posts = cards(db, rows, viewer).await?;
    Ok(Timeline { posts, next, newer })
}

/// The cards of a page's rows, with the other posts of each one's share.
async fn cards(db: &impl ConnectionTrait, rows: Vec<CardRow>, viewer: &Actor) -> Result<Vec<PostCard>, sea_orm::DbErr> {
    let siblings = sibling_rows(db, &rows).await?;
    cards_with(rows, &siblings, viewer)
}

/// The cards of rows as `viewer` sees them now, each with the other posts
/// of its share among `siblings`.
fn cards_with(rows: Vec<CardRow>, siblings: &[SiblingRow], viewer: &Actor) -> Result<Vec<PostCard>, sea_orm::DbErr> {
    let mut posts = rows
        .into_iter()
        .map(|r| card(r, viewer))
        .collect::<Result<Vec<_>, _>>()?;
    attach_siblings(&mut posts, siblings, viewer);
    Ok(posts)
}

/// Cut a page read one row long back to a page; where the next older page
/// starts, if that extra row was there.
fn cut_to_page(rows: &mut Vec<CardRow>) -> Option<Cursor> {
    let page = PAGE_SIZE as usize;
    if rows.len() > page {
        rows.truncate(page);
        rows.last().map(|r| Cursor::new(r.published_at, r.id))
    } else {
        None
    }
}

/// The newest home page as read, before it is shown to its reader at a
/// moment: what `home_pages` keeps while nothing on it changes.
#[derive(Clone)]
pub struct NewestHome {
    posts: Vec<CardRow>,
    next: Option<Cursor>,
    announced: Vec<Announcement>,
    siblings: Vec<SiblingRow>,
    /// When the first post scheduled in these channels goes live, and the
    /// page read here stops being the newest.
    pub until: Option<DateTime<Utc>>,
}

impl NewestHome {
    /// The page as `viewer` sees it now (the times as they read now).
    pub fn page(&self, viewer: &Actor) -> Result<(Timeline, Vec<Announcement>), sea_orm::DbErr> {
        let posts = cards_with(self.posts.clone(), &self.siblings, viewer)?;
        let timeline = Timeline {
            posts,
            next: self.next,
            newer: None,
        };
        Ok((timeline, self.announced.clone()))
    }
}

/// The newest home page of `reader` over the given channels, with at most
/// `announcements` held up over it, in one statement: the timeline, the
/// announcements and the next scheduled post (then the other posts of any
/// shares on it, in a second).
pub async fn newest_home(
    db: &impl ConnectionTrait,
    channel_ids: &[i64],
    reader: i64,
    announcements: u64,
) -> Result<NewestHome, sea_orm::DbErr> {
    // Each row says which it is, and when it was held up for its order:
    // a post of the timeline by when it was published, an announcement by
    // when it was announced, the next scheduled post by when it goes live.
    const POSTED: i32 = 0;
    const ANNOUNCED: i32 = 1;
    const SCHEDULED: i32 = 2;
    let reactions = reactions::as_json(db.get_database_backend(), reactions::On::Posts, "p.id");
    let page = PAGE_SIZE as usize;
    let (posts, mut values) = timeline_query(
        channel_ids,
        None,
        page + 1,
        &format!(
            "{CARD_COLUMNS}, {reactions} AS reactions, p.published_at AS held_at, {POSTED} AS announced {CARD_TABLES}"
        ),
    );
    let (held, held_values) = super::announcements::undismissed_query(
        channel_ids,
        reader,
        announcements,
        &format!("{CARD_COLUMNS}, {reactions} AS reactions, a.announced_at AS held_at, {ANNOUNCED} AS announced"),
    );
    values.extend(held_values);
    // The unary plus keeps the planner on the publication index: only
    // posts still to come are read.
    let scheduled = format!(
        "SELECT {CARD_COLUMNS}, {reactions} AS reactions, p.published_at AS held_at, {SCHEDULED} AS announced \
         {CARD_TABLES} WHERE +p.channel_id IN ({}) AND p.published_at > ? AND p.deleted_at IS NULL \
         AND p.hidden_at IS NULL ORDER BY p.published_at, p.id LIMIT 1",
        placeholders(channel_ids.len())
    );
    values.extend(channel_ids.iter().map(|&id| Value::from(id)));
    values.push(now().into());
    let text = format!(
        "SELECT * FROM ({posts}) AS t UNION ALL SELECT * FROM ({held}) AS h UNION ALL SELECT * FROM ({scheduled}) AS s"
    );
    let mut rows = Vec::new();
    let mut announced = Vec::new();
    let mut until = None;
    for row in db.query_all(sql(db, &text, values)).await? {
        let held_at: DateTime<Utc> = row.try_get("", "held_at")?;
        match row.try_get::<i32>("", "announced")? {
            POSTED => rows.push(CardRow::from_query_result(&row, "")?),
            ANNOUNCED => announced.push((held_at, CardRow::from_query_result(&row, "")?)),
            _ => until = Some(held_at),
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.id)));
    announced.sort_by_key(|(at, r)| std::cmp::Reverse((*at, r.id)));
    let next = cut_to_page(&mut rows);
    let siblings = sibling_rows(db, &rows).await?;
    let announced = announced
        .into_iter()
        .map(|(_, r)| Announcement {
            post_id: r.id,
            title: r.title,
            body_html: r.body_html,
            channel_slug: r.channel_slug,
            author: PersonChip::new(r.author_id, r.author_name, r.author_handle),
        })
        .collect();
    Ok(NewestHome {
        posts: rows,
        next,
        announced,
        siblings,
        until,
    })
}

type Page = (Vec<CardRow>, Option<Cursor>, Option<Newer>);

/// The newest page, or the page just older than `before`.
async fn older_page(
    db: &impl ConnectionTrait,
    channel_ids: &[i64],
    before: Option<Cursor>,
) -> Result<Page, sea_orm::DbErr> {
    let page = PAGE_SIZE as usize;
    let (text, values) = timeline_query(channel_ids, before.map(Keyset::Older), page + 1, &card_columns(db));
    let mut rows = CardRow::find_by_statement(sql(db, &text, values)).all(db).await?;
    let next = cut_to_page(&mut rows);
    let newer = match (before, rows.first()) {
        (None, _) => None,
        // Past the oldest post: the way back is to the top.
        (Some(_), None) => Some(Newer::Newest),
        (Some(_), Some(first)) => {
            let first = Cursor::new(first.published_at, first.id);
            let (text, values) = timeline_query(channel_ids, Some(Keyset::Newer(first)), page + 1, KEY_COLUMNS);
            match KeyRow::find_by_statement(sql(db, &text, values)).all(db).await?.len() {
                0 => None,
                n if n <= page => Some(Newer::Newest),
                _ => Some(Newer::After(first)),
            }
        }
    };
    Ok((rows, next, newer))
}

/// The page that ends just after `after`, or `None` when the newest page
/// would show all of those posts.
async fn newer_page(
    db: &impl ConnectionTrait,
    channel_ids: &[i64],
    after: Cursor,
) -> Result<Option<Page>, sea_orm::DbErr> {
    let page = PAGE_SIZE as usize;
    // Nearest first: this page, then whether more than a page lies beyond it.
    let (text, values) = timeline_query(channel_ids, Some(Keyset::Newer(after)), 2 * page + 1, &card_columns(db));
    let mut rows = CardRow::find_by_statement(sql(db, &text, values)).all(db).await?;
    if rows.len() <= page {
        return Ok(None);
    }
    let beyond = rows.len() - page;
    rows.truncate(page);
    rows.reverse();
    let next = rows.last().map(|r| Cursor::new(r.published_at, r.id));
    let newer = match rows.first() {
        Some(first) if beyond > page => Newer::After(Cursor::new(first.published_at, first.id)),
        _ => Newer::Newest,
    };
    Ok(Some((rows, next, Some(newer))))
}

/// Which side of a post a timeline query reads.
#[derive(Clone, Copy)]
enum Keyset {
    /// Strictly older, newest first.
    Older(Cursor),
    /// Strictly newer, oldest first (nearest the post first).
    Newer(Cursor),
}

/// Only what says whether there are posts there.
const KEY_COLUMNS: &str = "p.id AS id FROM posts p";

#[derive(FromQueryResult)]
struct KeyRow {
    #[expect(dead_code, reason = "only the number of rows is used")]
    id: i64,
}

/// Above this many channels a timeline walks the global time index; at or below
/// it, each channel's own index is read and the results merged.
const MERGE_CHANNELS_UP_TO: usize = 40;

/// The SQL for one timeline page. The shape matters for speed on both databases:
/// "newest 21 across these channels" is either one ordered walk of the global
/// `(published_at, id)` index (when most channels are wanted) or, for a few
/// channels, the newest 21 of each from `(channel_id, published_at, id)`,
/// merged. Either way no query sorts more than a few hundred rows, however
/// many posts there are. Reading newer posts walks the same indexes the other way.
fn timeline_query(channel_ids: &[i64], keyset: Option<Keyset>, limit: usize, columns: &str) -> (String, Vec<Value>) {
    const VISIBLE: &str = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.published_at <= ?";
    const OLDER: &str = " AND (p.published_at < ? OR (p.published_at = ? AND p.id < ?))";
    const NEWER: &str = " AND (p.published_at > ? OR (p.published_at = ? AND p.id > ?))";
    let order = match keyset {
        Some(Keyset::Newer(_)) => " ORDER BY p.published_at ASC, p.id ASC LIMIT ?",
        _ => " ORDER BY p.published_at DESC, p.id DESC LIMIT ?",
    };
    let merged_order = match keyset {
        Some(Keyset::Newer(_)) => "ORDER BY published_at ASC, id ASC LIMIT ?",
        _ => "ORDER BY published_at DESC, id DESC LIMIT ?",
    };
    let at = now();
    let limit = limit as i64;
    let mut values: Vec<Value> = Vec::new();
    let bound = |values: &mut Vec<Value>| match keyset {
        Some(Keyset::Older(c)) => {
            values.extend([c.at.into(), c.at.into(), c.id.into()]);
            OLDER
        }
        Some(Keyset::Newer(c)) => {
            values.extend([c.at.into(), c.at.into(), c.id.into()]);
            NEWER
        }
        None => "",
    };
    let text = if channel_ids.len() <= MERGE_CHANNELS_UP_TO {
        let mut parts = Vec::with_capacity(channel_ids.len());
        for (i, &channel) in channel_ids.iter().enumerate() {
            values.extend([channel.into(), at.into()]);
            let side = bound(&mut values);
            values.push(limit.into());
            parts.push(format!(
                "SELECT * FROM (SELECT p.id AS id, p.published_at AS published_at FROM posts p \
                 WHERE p.channel_id = ? AND {VISIBLE}{side}{order}) AS c{i}"
            ));
        }
        values.push(limit.into());
        format!(
            "SELECT {columns} WHERE p.id IN (SELECT id FROM ({}) AS merged \
             {merged_order}){order}",
            parts.join(" UNION ALL ")
        )
    } else {
        // The unary plus keeps the planner off the per-channel index, which
        // would fetch every post of every channel and sort them.
        values.extend(channel_ids.iter().map(|&id| Value::from(id)));
        values.push(at.into());
        let side = bound(&mut values);
        format!(
            "SELECT {columns} WHERE +p.channel_id IN ({}) AND {VISIBLE}{side}{order}",
            placeholders(channel_ids.len())
        )
    };
    values.push(limit.into());
    (text, values)
}

#[derive(Clone, FromQueryResult)]
struct SiblingRow {
    id: i64,
    share_group: i64,
    channel_id: i64,
    channel_slug: String,
    channel_visibility: String,
    channel_archived_at: Option<DateTime<Utc>>,
    author_id: i64,
    published_at: DateTime<Utc>,
}

/// Fill in each card's `also_in` (see [`attach_siblings`]).
async fn add_siblings(db: &impl ConnectionTrait, cards: &mut [PostCard], viewer: &Actor) -> Result<(), sea_orm::DbErr> {
    let rows = shared_with(db, cards.iter().filter_map(|c| c.share_group).collect()).await?;
    attach_siblings(cards, &rows, viewer);
    Ok(())
}

/// The live posts of the shares the rows are part of.
async fn sibling_rows(db: &impl ConnectionTrait, rows: &[CardRow]) -> Result<Vec<SiblingRow>, sea_orm::DbErr> {
    shared_with(db, rows.iter().filter_map(|r| r.share_group).collect()).await
}

async fn shared_with(db: &impl ConnectionTrait, mut groups: Vec<i64>) -> Result<Vec<SiblingRow>, sea_orm::DbErr> {
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let text = format!(
        "SELECT p.id, p.share_group, p.channel_id, c.slug AS channel_slug, c.visibility AS channel_visibility, \
         c.archived_at AS channel_archived_at, p.author_id, p.published_at \
         FROM posts p JOIN channels c ON c.id = p.channel_id \
         WHERE p.share_group IN ({}) AND p.deleted_at IS NULL AND p.hidden_at IS NULL ORDER BY p.id",
        placeholders(groups.len())
    );
    SiblingRow::find_by_statement(sql(db, &text, groups.into_iter().map(Value::from).collect()))
        .all(db)
        .await
}

/// Fill in each card's `also_in`: the other live posts of its share, in
/// channels the viewer may read (a private channel's post stays unknown to
/// anyone who is not a member), in the order they were shared.
fn attach_siblings(cards: &mut [PostCard], rows: &[SiblingRow], viewer: &Actor) {
    if rows.is_empty() {
        return;
    }
    let readable: Vec<&SiblingRow> = rows
        .iter()
        .filter(|r| {
            let channel = super::channels::facts(
                r.channel_id,
                Visibility::parse(&r.channel_visibility),
                r.channel_archived_at.is_some(),
                viewer,
            );
            let content = ContentFacts {
                author_id: r.author_id,
                deleted: false,
                hidden: false,
                scheduled: r.published_at > now(),
            };
            policy::can_read_content(viewer, &channel, &content)
        })
        .collect();
    for card in cards {
        card.also_in = readable
            .iter()
            .filter(|r| Some(r.share_group) == card.share_group && r.id != card.id)
            .map(|r| Sibling {
                post_id: r.id,
                channel_slug: r.channel_slug.clone(),
            })
            .collect();
    }
}

/// Mark posts as one share (the same link shared in one action into several
/// channels), so each links to the others. Inside the sharer's transaction.
pub async fn group_share(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), sea_orm::DbErr> {
    let Some(&first) = ids.first() else { return Ok(()) };
    if ids.len() < 2 {
        return Ok(());
    }
    let mut values: Vec<Value> = vec![first.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    db.execute(sql(
        db,
        &format!(
            "UPDATE posts SET share_group = ? WHERE id IN ({})",
            placeholders(ids.len())
        ),
        values,
    ))
    .await?;
    Ok(())
}

/// A post with everything a thread page and the policy need, deleted or not.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub channel_id: i64,
    pub author_id: i64,
    pub kind: PostKind,
    pub title: String,
    pub url: Option<String>,
    pub body_md: String,
    pub deleted: Option<When>,
    pub deletion: Option<Deletion>,
    pub deleted_by_author: bool,
    pub hidden: bool,
    /// Why a moderator hid it (empty if they gave no reason).
    pub hidden_reason: Option<String>,
    pub published_at: DateTime<Utc>,
}

impl Post {
    pub fn facts(&self) -> ContentFacts {
        ContentFacts {
            author_id: self.author_id,
            deleted: self.deleted.is_some(),
            hidden: self.hidden,
            scheduled: self.published_at > now(),
        }
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Post>, sea_orm::DbErr> {
    Ok(post::Entity::find_by_id(id).one(db).await?.map(Post::from))
}

/// A post and the channel it is in, in one statement.
pub async fn with_channel(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(Post, super::channels::Channel)>, sea_orm::DbErr> {
    Ok(post::Entity::find_by_id(id)
        .find_also_related(crate::entities::channel::Entity)
        .one(db)
        .await?
        .and_then(|(post, channel)| Some((Post::from(post), channel?.into()))))
}

impl From<post::Model> for Post {
    fn from(m: post::Model) -> Self {
        Post {
            id: m.id,
            channel_id: m.channel_id,
            author_id: m.author_id,
            kind: PostKind::from_stored(&m.kind),
            title: m.title,
            url: m.url,
            body_md: m.body_md,
            deleted: m.deleted_at.map(When::new),
            deletion: m.deleted_at.map(|at| Deletion { at, by: m.deleted_by }),
            deleted_by_author: m.deleted_by == Some(m.author_id),
            hidden: m.hidden_at.is_some(),
            hidden_reason: m.hidden_at.map(|_| m.hidden_reason.unwrap_or_default()),
            published_at: m.published_at,
        }
    }
}

/// What a thread's page stands on: the post and its channel as stored, the
/// post's card, its standing in `week`'s digest, and its replies, as the
/// reader sees them.
pub struct ThreadHead {
    pub post: Post,
    pub channel: Channel,
    pub card: PostCard,
    pub standing: Standing,
    /// The digest week `standing.featured` is about.
    pub week: String,
    pub replies: Vec<ReplyView>,
}

/// A thread's head as read, before it is shown to a reader at a moment:
/// what `thread_pages` keeps while nothing in the thread changes.
#[derive(Clone)]
pub struct ThreadRows {
    post: post::Model,
    channel: channel::Model,
    card: CardRow,
    standing: Standing,
    siblings: Vec<SiblingRow>,
    week: String,
}

impl ThreadRows {
    /// The head as `viewer` sees it now, over the thread's replies as they do.
    pub fn head(&self, viewer: &Actor, replies: Vec<ReplyView>) -> Result<ThreadHead, sea_orm::DbErr> {
        let card = cards_with(vec![self.card.clone()], &self.siblings, viewer)?
            .pop()
            .ok_or_else(|| sea_orm::DbErr::Custom("a thread's head made no card".into()))?;
        Ok(ThreadHead {
            post: self.post.clone().into(),
            channel: self.channel.clone().into(),
            card,
            standing: self.standing,
            week: self.week.clone(),
            replies,
        })
    }
}

/// A thread's head in one statement: the post's and its channel's columns
/// (prefixed as sea-orm reads two models from one row), the card's, and
/// the standing's (then the other posts of its share, if any, in a second).
pub async fn thread_rows(db: &impl ConnectionTrait, id: i64, week: &str) -> Result<Option<ThreadRows>, sea_orm::DbErr> {
    use sea_orm::Iterable;
    let text = format!(
        "SELECT {}, {}, \
           EXISTS (SELECT 1 FROM channel_pins k WHERE k.post_id = p.id) AS pinned, \
           EXISTS (SELECT 1 FROM announcements a WHERE a.post_id = p.id) AS announced, \
           EXISTS (SELECT 1 FROM digest_features f WHERE f.post_id = p.id AND f.week = ?) AS featured, \
           {} WHERE p.id = ?",
        super::columns_of(post::Column::iter(), "p", "A_"),
        super::columns_of(channel::Column::iter(), "c", "B_"),
        card_columns(db),
    );
    let Some(row) = db.query_one(sql(db, &text, vec![week.into(), id.into()])).await? else {
        return Ok(None);
    };
    let card = CardRow::from_query_result(&row, "")?;
    let siblings = sibling_rows(db, std::slice::from_ref(&card)).await?;
    Ok(Some(ThreadRows {
        post: post::Model::from_query_result(&row, "A_")?,
        channel: channel::Model::from_query_result(&row, "B_")?,
        card,
        standing: Standing::from_query_result(&row, "")?,
        siblings,
        week: week.to_owned(),
    }))
}

/// The content stamp of a post's channel (see the `content_stamps`
/// migration), which changes whenever anything in its thread does; by
/// primary keys. `None` when there is no such post.
pub async fn content_stamp(db: &impl ConnectionTrait, id: i64) -> Result<Option<i64>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Alias, Query};
    #[derive(FromQueryResult)]
    struct Stamp {
        content_stamp: i64,
    }
    let query = Query::select()
        .column((channel::Entity, Alias::new("content_stamp")))
        .from(post::Entity)
        .inner_join(
            channel::Entity,
            Expr::col((channel::Entity, channel::Column::Id)).equals((post::Entity, post::Column::ChannelId)),
        )
        .and_where(Expr::col((post::Entity, post::Column::Id)).eq(id))
        .to_owned();
    Ok(Stamp::find_by_statement(db.get_database_backend().build(&query))
        .one(db)
        .await?
        .map(|s| s.content_stamp))
}

/// Where a post came from and when it goes live.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// When it appears to readers; `None` for at once. Until then only its author sees it.
    pub publish_at: Option<DateTime<Utc>>,
    /// The feed a curated link was found in, credited on the post.
    pub source: Option<SourceCredit>,
    /// The inbox entry it was shared from.
    pub story_id: Option<i64>,
}

/// Store a new post; returns its id. The caller has asked the policy.
pub async fn create(
    db: &impl TransactionTrait,
    author_id: i64,
    channel: &Channel,
    draft: &PostDraft,
) -> Result<i64, sea_orm::DbErr> {
    create_at(db, author_id, channel.id, draft, now()).await
}

/// Store a post with a given publication time (demo data and imports).
pub async fn create_at(
    db: &impl TransactionTrait,
    author_id: i64,
    channel_id: i64,
    draft: &PostDraft,
    at: DateTime<Utc>,
) -> Result<i64, sea_orm::DbErr> {
    create_placed(db, author_id, channel_id, draft, at, Placement::default()).await
}

/// Store a post written at `at`, placed as `placement` says.
pub async fn create_placed(
    db: &impl TransactionTrait,
    author_id: i64,
    channel_id: i64,
    draft: &PostDraft,
    at: DateTime<Utc>,
    placement: Placement,
) -> Result<i64, sea_orm::DbErr> {
    let published = placement.publish_at.unwrap_or(at);
    let txn = super::begin_write(db).await?;
    let rendered = mentions::render(&txn, &draft.body_md).await?;
    let model = post::ActiveModel {
        channel_id: Set(channel_id),
        author_id: Set(author_id),
        kind: Set(draft.kind.as_str().to_owned()),
        title: Set(draft.title.clone()),
        url: Set(draft.link.as_ref().map(|l| l.as_str().to_owned())),
        url_domain: Set(draft.link.as_ref().map(|l| l.domain())),
        canonical_url: Set(draft.link.as_ref().map(|l| l.canonical())),
        body_md: Set(draft.body_md.clone()),
        body_html: Set(rendered.html),
        created_at: Set(at),
        published_at: Set(published),
        edited_at: Set(None),
        deleted_at: Set(None),
        deleted_by: Set(None),
        hidden_at: Set(None),
        reply_count: Set(0),
        last_activity_at: Set(published),
        source_feed_id: Set(placement.source.as_ref().map(|s| s.feed_id)),
        source_feed_title: Set(placement.source.as_ref().map(|s| s.title.clone())),
        source_site_url: Set(placement.source.as_ref().and_then(|s| s.site_url.clone())),
        story_id: Set(placement.story_id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mentions::replace(&txn, model.id, None, author_id, &rendered.mentioned).await?;
    notifications::mentioned(&txn, model.id, None, author_id, &draft.body_md, &rendered.mentioned).await?;
    outbox::push(&txn, Changed::Post(model.id)).await?;
    if published > at {
        super::jobs::schedule(&txn, Job::PublishPost(model.id), published).await?;
    }
    txn.commit().await?;
    Ok(model.id)
}

/// Replace a post's words; it shows as edited from now on.
pub async fn edit(db: &impl TransactionTrait, post: &Post, draft: &PostDraft) -> Result<(), sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let rendered = mentions::render(&txn, &draft.body_md).await?;
    post::ActiveModel {
        id: Set(post.id),
        kind: Set(draft.kind.as_str().to_owned()),
        title: Set(draft.title.clone()),
        url: Set(draft.link.as_ref().map(|l| l.as_str().to_owned())),
        url_domain: Set(draft.link.as_ref().map(|l| l.domain())),
        canonical_url: Set(draft.link.as_ref().map(|l| l.canonical())),
        body_md: Set(draft.body_md.clone()),
        body_html: Set(rendered.html),
        edited_at: Set(Some(now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    mentions::replace(&txn, post.id, None, post.author_id, &rendered.mentioned).await?;
    notifications::mentioned(&txn, post.id, None, post.author_id, &draft.body_md, &rendered.mentioned).await?;
    outbox::push(&txn, Changed::Post(post.id)).await?;
    txn.commit().await?;
    Ok(())
}

/// Soft-delete: the post leaves timelines and search; a notice remains in its thread.
pub async fn delete(db: &impl TransactionTrait, actor: &Actor, post: &Post) -> Result<(), sea_orm::DbErr> {
    set_deleted(db, actor, post, true).await
}

/// Bring a deleted post back (see `policy::may_restore`): it returns to
/// timelines and search as it was.
pub async fn restore(db: &impl TransactionTrait, actor: &Actor, post: &Post) -> Result<(), sea_orm::DbErr> {
    set_deleted(db, actor, post, false).await
}

/// Delete or restore, with the search outbox row and (when someone other
/// than the author does it) the audit row in the same transaction.
async fn set_deleted(
    db: &impl TransactionTrait,
    actor: &Actor,
    post: &Post,
    deleted: bool,
) -> Result<(), sea_orm::DbErr> {
    let (at, by, action) = if deleted {
        (Some(now()), Some(actor.user_id), AuditAction::PostDelete)
    } else {
        (None, None, AuditAction::PostRestore)
    };
    let txn = super::begin_write(db).await?;
    post::Entity::update_many()
        .col_expr(post::Column::DeletedAt, Expr::value(at))
        .col_expr(post::Column::DeletedBy, Expr::value(by))
        .filter(post::Column::Id.eq(post.id))
        .filter(if deleted {
            post::Column::DeletedAt.is_null()
        } else {
            post::Column::DeletedAt.is_not_null()
        })
        .exec(&txn)
        .await?;
    outbox::push(&txn, Changed::Post(post.id)).await?;
    if actor.user_id != post.author_id {
        audit::record(&txn, Some(actor.user_id), action, &AuditTarget::Post(post.id), "").await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Where a link was shared before, as the share form warns.
#[derive(Debug, Clone, FromQueryResult)]
struct SharedRow {
    id: i64,
    channel_slug: String,
    author_name: String,
    published_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SharedBefore {
    pub post_id: i64,
    pub channel_slug: String,
    pub author_name: String,
    pub when: When,
}

/// Earlier live posts of this link (compared by canonical URL), in channels the viewer may read.
pub async fn shared_before(
    db: &impl ConnectionTrait,
    canonical_url: &str,
    readable_channels: &[i64],
) -> Result<Vec<SharedBefore>, sea_orm::DbErr> {
    if readable_channels.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: Vec<Value> = vec![canonical_url.into(), now().into()];
    values.extend(readable_channels.iter().map(|&id| Value::from(id)));
    let text = format!(
        "SELECT p.id, c.slug AS channel_slug, u.name AS author_name, p.published_at \
         FROM posts p JOIN channels c ON c.id = p.channel_id JOIN users u ON u.id = p.author_id \
         WHERE p.canonical_url = ? AND p.published_at <= ? AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
         AND p.channel_id IN ({}) \
         ORDER BY p.published_at DESC LIMIT 5",
        placeholders(readable_channels.len())
    );
    Ok(SharedRow::find_by_statement(sql(db, &text, values))
        .all(db)
        .await?
        .into_iter()
        .map(|r| SharedBefore {
            post_id: r.id,
            channel_slug: r.channel_slug,
            author_name: r.author_name,
            when: When::new(r.published_at),
        })
        .collect())
}

/// The viewer's own posts waiting to be published, soonest first.
pub async fn scheduled_by(db: &impl ConnectionTrait, viewer: &Actor) -> Result<Vec<PostCard>, sea_orm::DbErr> {
    let rows = CardRow::find_by_statement(sql(
        db,
        &format!(
            "SELECT {} WHERE p.author_id = ? AND p.published_at > ? AND p.deleted_at IS NULL \
             ORDER BY p.published_at, p.id LIMIT 50",
            card_columns(db)
        ),
        vec![viewer.user_id.into(), now().into()],
    ))
    .all(db)
    .await?;
    let mut cards = rows
        .into_iter()
        .map(|r| card(r, viewer))
        .collect::<Result<Vec<_>, _>>()?;
    // Nobody can react to a post before it is published.
    for card in &mut cards {
        card.reactions.clear();
    }
    add_siblings(db, &mut cards, viewer).await?;
    Ok(cards)
}

/// The cards for some posts, in the order given (ids not found are left
/// out). The caller passes only posts the viewer may read.
pub async fn cards_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
    viewer: &Actor,
) -> Result<Vec<PostCard>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = CardRow::find_by_statement(sql(
        db,
        &format!(
            "SELECT {} WHERE p.id IN ({})",
            card_columns(db),
            super::placeholders(ids.len())
        ),
        ids.iter().map(|id| (*id).into()).collect(),
    ))
    .all(db)
    .await?;
    let mut cards = rows
        .into_iter()
        .map(|row| card(row, viewer))
        .collect::<Result<Vec<_>, _>>()?;
    cards.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    add_siblings(db, &mut cards, viewer).await?;
    Ok(cards)
}
