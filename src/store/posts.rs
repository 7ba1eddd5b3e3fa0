//! Posts: timelines (keyset-paginated), the post itself, creating, editing and soft-deleting.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, JoinType, Order, Query, SelectStatement, SimpleExpr, UnionType,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DeriveIden, EntityTrait, FromQueryResult, QueryFilter,
    Set, TransactionTrait,
};

use super::audit;
use super::mentions;
use super::notifications;
use super::outbox::{self, Changed};
use super::reactions::{self, Tally};
use super::replies::ReplyView;
use super::users::PersonChip;
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::cursor::{Cursor, PageAt};
use crate::domain::feed::SourceCredit;
use crate::domain::job::Job;
use crate::domain::policy::{self, Actor, ContentFacts, Deletion, Visibility};
use crate::domain::post::{PostDraft, PostKind};
use crate::domain::time::{When, now};
use crate::entities::{channel, post, user};

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

    pub fn reacted_to(&self) -> reactions::Target {
        reactions::Target::Post(self.id)
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
    reactions: reactions::Reactions,
}

/// The names the page's statements give the tables they read.
#[derive(DeriveIden, Clone, Copy)]
enum T {
    /// The posts.
    #[sea_orm(iden = "p")]
    P,
    /// Their channels.
    #[sea_orm(iden = "c")]
    C,
    /// Their authors.
    #[sea_orm(iden = "u")]
    U,
    /// Pins, announcements and digest features of a post, in its thread's head.
    #[sea_orm(iden = "k")]
    K,
}

/// A column of the posts read, `p`.
fn p(column: post::Column) -> Expr {
    Expr::col((T::P, column))
}

/// The card's columns and tables, with the post's reactions beside them:
/// `SELECT … FROM posts p JOIN channels c … JOIN users u …`.
fn card_select(backend: DbBackend) -> SelectStatement {
    use post::Column as P;
    let reactions = reactions::as_json(backend, reactions::On::Posts, "p.id");
    let mut select = Query::select();
    select
        .columns(
            [
                P::Id,
                P::ChannelId,
                P::AuthorId,
                P::DeletedAt,
                P::HiddenAt,
                P::Kind,
                P::Title,
                P::Url,
                P::UrlDomain,
                P::BodyHtml,
                P::PublishedAt,
                P::EditedAt,
                P::ReplyCount,
                P::LastActivityAt,
                P::ShareGroup,
            ]
            .map(|c| (T::P, c)),
        )
        .expr_as(p(P::SourceFeedTitle), Alias::new("source_feed"))
        .expr_as(p(P::SourceSiteUrl), Alias::new("source_site"))
        .expr_as(Expr::col((T::C, channel::Column::Name)), Alias::new("channel_name"))
        .expr_as(Expr::col((T::U, user::Column::Name)), Alias::new("author_name"))
        .expr_as(Expr::col((T::U, user::Column::Handle)), Alias::new("author_handle"))
        // An ordered JSON aggregate, which sea-query has no words for.
        .expr_as(Expr::cust(reactions), Alias::new("reactions"));
    from_posts(with_channel_facts(&mut select), true);
    select
}

/// The post's channel as the policy reads it: its slug, visibility and
/// whether it is archived, as `channel_…`.
fn with_channel_facts(select: &mut SelectStatement) -> &mut SelectStatement {
    select
        .expr_as(Expr::col((T::C, channel::Column::Slug)), Alias::new("channel_slug"))
        .expr_as(
            Expr::col((T::C, channel::Column::Visibility)),
            Alias::new("channel_visibility"),
        )
        .expr_as(
            Expr::col((T::C, channel::Column::ArchivedAt)),
            Alias::new("channel_archived_at"),
        )
}

/// From the posts `p`, each with its channel `c` (and, with `authors`,
/// its author `u`).
fn from_posts(select: &mut SelectStatement, authors: bool) -> &mut SelectStatement {
    use post::Column as P;
    select.from_as(post::Entity, T::P).join_as(
        JoinType::InnerJoin,
        channel::Entity,
        T::C,
        Expr::col((T::C, channel::Column::Id)).equals((T::P, P::ChannelId)),
    );
    if authors {
        select.join_as(
            JoinType::InnerJoin,
            user::Entity,
            T::U,
            Expr::col((T::U, user::Column::Id)).equals((T::P, P::AuthorId)),
        );
    }
    select
}

/// Live: not deleted, not hidden, and published by `at`.
fn live(at: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(p(post::Column::DeletedAt).is_null())
        .add(p(post::Column::HiddenAt).is_null())
        .add(p(post::Column::PublishedAt).lte(at))
}

/// The rows a statement reads, as sea-orm's models and rows are read.
async fn read_all<R: FromQueryResult>(
    db: &impl ConnectionTrait,
    query: &SelectStatement,
) -> Result<Vec<R>, sea_orm::DbErr> {
    R::find_by_statement(db.get_database_backend().build(query))
        .all(db)
        .await
}

fn card(row: CardRow, viewer: &Actor) -> Result<PostCard, sea_orm::DbErr> {
    let reactions = row.reactions.tallies(viewer.user_id);
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

/// What a newest page holds up over its timeline.
#[derive(Clone, Copy)]
pub enum HeldUp<'a> {
    /// The announcements in its channels the reader has not dismissed,
    /// newest first, at most `most` of them (the home page).
    Announcements { reader: i64, most: u64 },
    /// These posts, in this order (a channel's pins).
    Pins(&'a [i64]),
}

/// The newest page of some channels as read, before it is shown to a
/// reader at a moment: what `home_pages` and `channel_pages` keep while
/// nothing on it changes.
#[derive(Clone)]
pub struct NewestPage {
    posts: Vec<CardRow>,
    next: Option<Cursor>,
    /// What is held up over it, in order.
    held: Vec<CardRow>,
    siblings: Vec<SiblingRow>,
    /// When the first post scheduled in these channels goes live, and the
    /// page read here stops being the newest.
    pub until: Option<DateTime<Utc>>,
}

impl NewestPage {
    /// The timeline as `viewer` sees it now (the times as they read now).
    pub fn timeline(&self, viewer: &Actor) -> Result<Timeline, sea_orm::DbErr> {
        Ok(Timeline {
            posts: cards_with(self.posts.clone(), &self.siblings, viewer)?,
            next: self.next,
            newer: None,
        })
    }

    /// The posts held up over it, as `viewer` sees them now.
    pub fn held(&self, viewer: &Actor) -> Result<Vec<PostCard>, sea_orm::DbErr> {
        cards_with(self.held.clone(), &self.siblings, viewer)
    }

    /// The posts held up over it, as announcements.
    pub fn announced(&self) -> Vec<Announcement> {
        self.held
            .iter()
            .map(|r| Announcement {
                post_id: r.id,
                title: r.title.clone(),
                body_html: r.body_html.clone(),
                channel_slug: r.channel_slug.clone(),
                author: PersonChip::new(r.author_id, r.author_name.clone(), r.author_handle.clone()),
            })
            .collect()
    }
}

/// The newest page over the given channels, with what it holds up, in one
/// statement: the timeline, the posts held up and the next scheduled post
/// (then the other posts of any shares on it, in a second).
pub async fn newest_page(
    db: &impl ConnectionTrait,
    channel_ids: &[i64],
    held: HeldUp<'_>,
) -> Result<NewestPage, sea_orm::DbErr> {
    // Each row says which it is, and when it was held up for its order:
    // a post of the timeline by when it was published, an announcement by
    // when it was announced (a pin by when it was published: pins keep
    // the order given), the next scheduled post by when it goes live.
    const POSTED: i32 = 0;
    const HELD: i32 = 1;
    const SCHEDULED: i32 = 2;
    let backend = db.get_database_backend();
    let held_at = Alias::new("held_at");
    // A card, when it was held up, and which it is.
    let card = |at: SimpleExpr, which: i32| {
        let mut select = card_select(backend);
        select
            .expr_as(at, held_at.clone())
            .expr_as(Expr::val(which).cast_as(Alias::new("INTEGER")), Alias::new("held"));
        select
    };
    let published = || p(post::Column::PublishedAt).into();
    let page = PAGE_SIZE as usize;
    let mut query = every_row_of(
        timeline_query(card(published(), POSTED), channel_ids, None, page + 1),
        "t",
    );
    match held {
        HeldUp::Announcements { reader, most } => {
            let mut announced = card(super::announcements::announced_at(), HELD);
            super::announcements::undismissed(&mut announced, channel_ids, reader, most);
            query.union(UnionType::All, every_row_of(announced, "h"));
        }
        HeldUp::Pins([]) => {}
        HeldUp::Pins(ids) => {
            let mut pinned = card(published(), HELD);
            pinned.and_where(p(post::Column::Id).is_in(ids.iter().copied()));
            query.union(UnionType::All, pinned);
        }
    }
    let mut scheduled = card(published(), SCHEDULED);
    scheduled
        .and_where(off_channel_index(channel_ids))
        .and_where(p(post::Column::PublishedAt).gt(now()))
        .and_where(p(post::Column::DeletedAt).is_null())
        .and_where(p(post::Column::HiddenAt).is_null())
        .order_by((T::P, post::Column::PublishedAt), Order::Asc)
        .order_by((T::P, post::Column::Id), Order::Asc)
        .limit(1);
    query.union(UnionType::All, every_row_of(scheduled, "s"));
    let mut rows = Vec::new();
    let mut held_rows = Vec::new();
    let mut until = None;
    for row in db.query_all(backend.build(&query)).await? {
        let held_at: DateTime<Utc> = row.try_get("", "held_at")?;
        match row.try_get::<i32>("", "held")? {
            POSTED => rows.push(CardRow::from_query_result(&row, "")?),
            HELD => held_rows.push((held_at, CardRow::from_query_result(&row, "")?)),
            _ => until = Some(held_at),
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.id)));
    let next = cut_to_page(&mut rows);
    let held_rows: Vec<CardRow> = match held {
        HeldUp::Announcements { .. } => {
            held_rows.sort_by_key(|(at, r)| std::cmp::Reverse((*at, r.id)));
            held_rows.into_iter().map(|(_, r)| r).collect()
        }
        HeldUp::Pins(ids) => {
            held_rows.sort_by_key(|(_, r)| ids.iter().position(|id| *id == r.id));
            held_rows.into_iter().map(|(_, r)| r).collect()
        }
    };
    // Pins are cards, and show where else they were shared; announcements do not.
    let siblings = match held {
        HeldUp::Announcements { .. } => sibling_rows(db, &rows).await?,
        HeldUp::Pins(_) => {
            shared_with(
                db,
                rows.iter().chain(&held_rows).filter_map(|r| r.share_group).collect(),
            )
            .await?
        }
    };
    Ok(NewestPage {
        posts: rows,
        next,
        held: held_rows,
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
    let cards = card_select(db.get_database_backend());
    let mut rows: Vec<CardRow> = read_all(
        db,
        &timeline_query(cards, channel_ids, before.map(Keyset::Older), page + 1),
    )
    .await?;
    let next = cut_to_page(&mut rows);
    let newer = match (before, rows.first()) {
        (None, _) => None,
        // Past the oldest post: the way back is to the top.
        (Some(_), None) => Some(Newer::Newest),
        (Some(_), Some(first)) => {
            let first = Cursor::new(first.published_at, first.id);
            // Only whether there are posts there: their ids.
            let ids = Query::select()
                .column((T::P, post::Column::Id))
                .from_as(post::Entity, T::P)
                .to_owned();
            let newer = timeline_query(ids, channel_ids, Some(Keyset::Newer(first)), page + 1);
            match read_all::<KeyRow>(db, &newer).await?.len() {
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
    let cards = card_select(db.get_database_backend());
    let mut rows: Vec<CardRow> = read_all(
        db,
        &timeline_query(cards, channel_ids, Some(Keyset::Newer(after)), 2 * page + 1),
    )
    .await?;
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

impl Keyset {
    /// The posts on this side of the post, in `(published_at, id)` order.
    fn side(self) -> Condition {
        let (at, id) = (p(post::Column::PublishedAt), p(post::Column::Id));
        match self {
            Keyset::Older(c) => Condition::any()
                .add(at.clone().lt(c.at))
                .add(Condition::all().add(at.eq(c.at)).add(id.lt(c.id))),
            Keyset::Newer(c) => Condition::any()
                .add(at.clone().gt(c.at))
                .add(Condition::all().add(at.eq(c.at)).add(id.gt(c.id))),
        }
    }

    /// Reading order: away from the post.
    fn order(keyset: Option<Self>) -> Order {
        match keyset {
            Some(Keyset::Newer(_)) => Order::Asc,
            _ => Order::Desc,
        }
    }
}

#[derive(FromQueryResult)]
struct KeyRow {
    #[expect(dead_code, reason = "only the number of rows is used")]
    id: i64,
}

/// Above this many channels a timeline walks the global time index; at or below
/// it, each channel's own index is read and the results merged.
const MERGE_CHANNELS_UP_TO: usize = 40;

/// "In these channels" where the planner must not use the per-channel
/// index: `p.channel_id + 0` is no longer the bare column, so the walk
/// stays on the publication index (as a unary plus would).
fn off_channel_index(channel_ids: &[i64]) -> SimpleExpr {
    Expr::expr(p(post::Column::ChannelId).add(0)).is_in(channel_ids.iter().copied())
}

/// `SELECT * FROM (query) AS name`: a query with its own order and limit,
/// as one part of a `UNION ALL`.
fn every_row_of(query: SelectStatement, name: &str) -> SelectStatement {
    Query::select()
        .column(Asterisk)
        .from_subquery(query, Alias::new(name))
        .to_owned()
}

/// One timeline page: `select` (from `posts p`) cut to the live posts of
/// these channels, on the side `keyset` names, in its order. The shape
/// matters for speed on both databases: "newest 21 across these channels"
/// is either one ordered walk of the global `(published_at, id)` index
/// (when most channels are wanted) or, for a few channels, the newest 21
/// of each from `(channel_id, published_at, id)`, merged. Either way no
/// query sorts more than a few hundred rows, however many posts there are.
/// Reading newer posts walks the same indexes the other way.
fn timeline_query(
    mut select: SelectStatement,
    channel_ids: &[i64],
    keyset: Option<Keyset>,
    limit: usize,
) -> SelectStatement {
    let order = Keyset::order(keyset);
    let limit = limit as u64;
    let mut wanted = live(now());
    if let Some(keyset) = keyset {
        wanted = wanted.add(keyset.side());
    }
    let newest_first = |select: &mut SelectStatement, table: Option<T>| {
        let (at, id) = (post::Column::PublishedAt, post::Column::Id);
        match table {
            Some(t) => select.order_by((t, at), order.clone()).order_by((t, id), order.clone()),
            None => select.order_by(at, order.clone()).order_by(id, order.clone()),
        }
        .limit(limit);
    };
    if channel_ids.len() <= MERGE_CHANNELS_UP_TO {
        let mut merged: Option<SelectStatement> = None;
        for (i, &channel) in channel_ids.iter().enumerate() {
            let mut newest = Query::select();
            newest
                .columns([(T::P, post::Column::Id), (T::P, post::Column::PublishedAt)])
                .from_as(post::Entity, T::P)
                .cond_where(
                    Condition::all()
                        .add(p(post::Column::ChannelId).eq(channel))
                        .add(wanted.clone()),
                );
            newest_first(&mut newest, Some(T::P));
            let part = every_row_of(newest, &format!("c{i}"));
            match &mut merged {
                Some(merged) => {
                    merged.union(UnionType::All, part);
                }
                None => merged = Some(part),
            }
        }
        if let Some(merged) = merged {
            let mut ids = Query::select();
            ids.column(post::Column::Id).from_subquery(merged, Alias::new("merged"));
            newest_first(&mut ids, None);
            select.and_where(p(post::Column::Id).in_subquery(ids));
        } else {
            select.and_where(Expr::val(false).into());
        }
    } else {
        select.cond_where(Condition::all().add(off_channel_index(channel_ids)).add(wanted));
    }
    newest_first(&mut select, Some(T::P));
    select
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
    use post::Column as P;
    let mut query = Query::select()
        .columns([P::Id, P::ShareGroup, P::ChannelId, P::AuthorId, P::PublishedAt].map(|c| (T::P, c)))
        .to_owned();
    from_posts(with_channel_facts(&mut query), false)
        .and_where(p(P::ShareGroup).is_in(groups))
        .and_where(p(P::DeletedAt).is_null())
        .and_where(p(P::HiddenAt).is_null())
        .order_by((T::P, P::Id), Order::Asc);
    read_all(db, &query).await
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
    post::Entity::update_many()
        .col_expr(post::Column::ShareGroup, Expr::value(first))
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
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
    /// Its channel's content stamp, read with it.
    pub content_stamp: i64,
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
/// (prefixed as sea-orm reads two models from one row), the channel's
/// content stamp, the card's, and the standing's (then the other posts of
/// its share, if any, in a second).
pub async fn thread_rows(db: &impl ConnectionTrait, id: i64, week: &str) -> Result<Option<ThreadRows>, sea_orm::DbErr> {
    use sea_orm::{IdenStatic, Iterable};
    // Whether `table` has a row for the post (and `also` holds of it).
    let any_in = |table: &str, also: Option<SimpleExpr>| {
        let mut rows = Query::select();
        rows.expr(Expr::val(1))
            .from_as(Alias::new(table), T::K)
            .and_where(Expr::col((T::K, Alias::new("post_id"))).equals((T::P, post::Column::Id)));
        if let Some(also) = also {
            rows.and_where(also);
        }
        Expr::exists(rows)
    };
    let backend = db.get_database_backend();
    let mut query = card_select(backend);
    for column in post::Column::iter() {
        query.expr_as(p(column), Alias::new(format!("A_{}", column.as_str())));
    }
    for column in channel::Column::iter() {
        query.expr_as(Expr::col((T::C, column)), Alias::new(format!("B_{}", column.as_str())));
    }
    let this_week = Expr::col((T::K, Alias::new("week"))).eq(week);
    query
        .expr_as(
            Expr::col((T::C, Alias::new("content_stamp"))),
            Alias::new("content_stamp"),
        )
        .expr_as(any_in("channel_pins", None), Alias::new("pinned"))
        .expr_as(any_in("announcements", None), Alias::new("announced"))
        .expr_as(any_in("digest_features", Some(this_week)), Alias::new("featured"))
        .and_where(p(post::Column::Id).eq(id));
    let Some(row) = db.query_one(backend.build(&query)).await? else {
        return Ok(None);
    };
    let card = CardRow::from_query_result(&row, "")?;
    let siblings = sibling_rows(db, std::slice::from_ref(&card)).await?;
    Ok(Some(ThreadRows {
        content_stamp: row.try_get("", "content_stamp")?,
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
    let mut query = Query::select()
        .columns([(T::P, post::Column::Id), (T::P, post::Column::PublishedAt)])
        .expr_as(Expr::col((T::C, channel::Column::Slug)), Alias::new("channel_slug"))
        .expr_as(Expr::col((T::U, user::Column::Name)), Alias::new("author_name"))
        .to_owned();
    from_posts(&mut query, true)
        .and_where(p(post::Column::CanonicalUrl).eq(canonical_url))
        .cond_where(live(now()))
        .and_where(p(post::Column::ChannelId).is_in(readable_channels.iter().copied()))
        .order_by((T::P, post::Column::PublishedAt), Order::Desc)
        .limit(5);
    Ok(read_all::<SharedRow>(db, &query)
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
    let mut query = card_select(db.get_database_backend());
    query
        .and_where(p(post::Column::AuthorId).eq(viewer.user_id))
        .and_where(p(post::Column::PublishedAt).gt(now()))
        .and_where(p(post::Column::DeletedAt).is_null())
        .order_by((T::P, post::Column::PublishedAt), Order::Asc)
        .order_by((T::P, post::Column::Id), Order::Asc)
        .limit(50);
    let rows: Vec<CardRow> = read_all(db, &query).await?;
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
