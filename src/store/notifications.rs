//! Notifications as rows of the `notices` table: creating them (in the
//! caller's transaction, never for the recipient's own action nor for
//! content they cannot read), listing and counting them (again only what the
//! person can read now), marking them read, each person's choices per kind,
//! and the rows waiting to be emailed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, IntoColumnRef, JoinType, Order, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use super::channels;
use super::{placeholders, sql};
use crate::domain::job::Job;
use crate::domain::markdown;
use crate::domain::notification::{self, Delivery, EMAIL_GAP_MINUTES, NotificationKind};
use crate::domain::policy::{self, Actor, Visibility};
use crate::domain::role::Role;
use crate::domain::time::{When, now};
use crate::entities::{channel, channel_member, post, user};

/// The notices table as `n`, the alias every query here reads it by.
fn notices() -> (Alias, Alias) {
    (Alias::new("notices"), Alias::new("n"))
}

fn n(column: &str) -> (Alias, Alias) {
    (Alias::new("n"), Alias::new(column))
}

/// Whether the notification's recipient (`n.user_id`) may read the channel it
/// came from (`n.channel_id`, none for one about no channel): the SQL twin of
/// `policy::can_read_channel`, for the unread count and the list (which
/// checks the policy itself as well).
fn readable_channel() -> Condition {
    let open = Query::select()
        .expr(Expr::val(1))
        .from(channel::Entity)
        .and_where(Expr::col((channel::Entity, channel::Column::Id)).equals(n("channel_id")))
        .and_where(Expr::col((channel::Entity, channel::Column::Visibility)).eq(Visibility::Open.as_str()))
        .to_owned();
    let member = Query::select()
        .expr(Expr::val(1))
        .from(channel_member::Entity)
        .and_where(Expr::col((channel_member::Entity, channel_member::Column::ChannelId)).equals(n("channel_id")))
        .and_where(Expr::col((channel_member::Entity, channel_member::Column::UserId)).equals(n("user_id")))
        .to_owned();
    Condition::any()
        .add(Expr::col(n("channel_id")).is_null())
        .add(Expr::exists(open))
        .add(Expr::exists(member))
}

/// The unread count of the person whose id is in `user` (a scalar subquery
/// for `users::account_where`): one range of the `(user_id,
/// acknowledged_at)` index, each row checked against the channel it came from.
pub fn unread_count(user: impl IntoColumnRef) -> SimpleExpr {
    let (table, alias) = notices();
    let count = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from_as(table, alias)
        .and_where(Expr::col(n("user_id")).equals(user))
        .and_where(Expr::col(n("acknowledged_at")).is_null())
        .cond_where(readable_channel())
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(count.into_sub_query_statement()))
}

/// Whether the person whose id is in `user` has a warning still to
/// acknowledge (for the banner).
pub fn warning_pending(user: impl IntoColumnRef) -> SimpleExpr {
    let (table, alias) = notices();
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(table, alias)
            .and_where(Expr::col(n("user_id")).equals(user))
            .and_where(Expr::col(n("acknowledged_at")).is_null())
            .and_where(Expr::col(n("must_acknowledge")).into())
            .to_owned(),
    )
}

/// A notification to create: for whom, what kind, who caused it, what it is
/// about (channel, post, reply: each optional), a short text and a link.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: NotificationKind,
    /// Who caused it; nobody is told of their own action. `None` for the system.
    pub actor_id: Option<i64>,
    /// The channel it came from: the recipient must be able to read it, now
    /// and whenever the notification is shown.
    pub channel_id: Option<i64>,
    pub post_id: Option<i64>,
    pub reply_id: Option<i64>,
    /// What it says (an excerpt, a reason); shown as text, never as HTML.
    pub body: String,
    /// Where it leads, a path such as `/p/12#reply-40`.
    pub link: Option<String>,
}

#[derive(FromQueryResult)]
struct Id {
    id: i64,
}

/// Tell someone something, in the caller's transaction. Returns the new
/// notification's id, or `None` when nothing was created: the recipient
/// caused it, cannot read the channel it came from, switched the kind off,
/// or was already told of this kind about this post or reply.
///
/// The recipient's choice for the kind decides whether it is also emailed
/// (then the email job is scheduled in the same transaction).
pub async fn notify(db: &impl ConnectionTrait, new: NewNotification) -> Result<Option<i64>, sea_orm::DbErr> {
    let kinds = [new.kind];
    notify_first(db, new, &kinds).await
}

/// [`notify`] with the first of `kinds` (strongest first) the recipient has
/// not switched off: someone who turned mentions off still hears of a
/// reply to their post that mentions them.
pub async fn notify_first(
    db: &impl ConnectionTrait,
    mut new: NewNotification,
    kinds: &[NotificationKind],
) -> Result<Option<i64>, sea_orm::DbErr> {
    if new.actor_id == Some(new.user_id) {
        return Ok(None);
    }
    if let Some(channel_id) = new.channel_id
        && !reads_channel(db, new.user_id, channel_id).await?
    {
        return Ok(None);
    }
    let chosen = deliveries(db, new.user_id).await?;
    let Some((kind, delivery)) = kinds
        .iter()
        .map(|&k| (k, chosen.get(&k).copied().unwrap_or_default().allowed_for(k)))
        .find(|(_, d)| *d != Delivery::Off)
    else {
        return Ok(None);
    };
    new.kind = kind;
    if new.post_id.is_some() && already_told(db, &new).await? {
        return Ok(None);
    }
    let at = now();
    let email_due = (delivery == Delivery::Email).then_some(at);
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO notices (user_id, kind, body, link, must_acknowledge, created_by, created_at, \
           channel_id, post_id, reply_id, email_due_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vec![
            new.user_id.into(),
            kind.as_str().into(),
            new.body.into(),
            new.link.into(),
            kind.must_acknowledge().into(),
            new.actor_id.into(),
            at.into(),
            new.channel_id.into(),
            new.post_id.into(),
            new.reply_id.into(),
            email_due.into(),
        ],
    ))
    .one(db)
    .await?;
    if email_due.is_some() {
        super::jobs::schedule_by(db, Job::EmailNotifications, email_at(db, new.user_id, at).await?).await?;
    }
    Ok(row.map(|r| r.id))
}

/// Whether this person was already told of this kind about this post or
/// reply (a post's mentions are told when it goes live and again on edit;
/// only new ones count).
async fn already_told(db: &impl ConnectionTrait, new: &NewNotification) -> Result<bool, sea_orm::DbErr> {
    let row = Id::find_by_statement(sql(
        db,
        "SELECT id FROM notices WHERE user_id = ? AND kind = ? AND post_id = ? AND COALESCE(reply_id, 0) = ?",
        vec![
            new.user_id.into(),
            new.kind.as_str().into(),
            new.post_id.into(),
            new.reply_id.unwrap_or(0).into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.is_some())
}

/// A person as a reader: their roles and private channels, as the policy needs them.
async fn reader(db: &impl ConnectionTrait, user_id: i64) -> Result<Actor, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Grant {
        kind: String,
        value: String,
    }
    let rows = Grant::find_by_statement(sql(
        db,
        "SELECT 'role' AS kind, role AS value FROM user_roles WHERE user_id = ? \
         UNION ALL SELECT 'channel', CAST(channel_id AS TEXT) FROM channel_members WHERE user_id = ?",
        vec![user_id.into(), user_id.into()],
    ))
    .all(db)
    .await?;
    let of = |kind: &'static str| rows.iter().filter(move |g| g.kind == kind).map(|g| g.value.as_str());
    Ok(Actor::reader(
        user_id,
        of("role").filter_map(Role::parse).collect(),
        of("channel").filter_map(|v| v.parse().ok()).collect(),
    ))
}

/// Whether a person may read a channel now, as the policy says.
async fn reads_channel(db: &impl ConnectionTrait, user_id: i64, channel_id: i64) -> Result<bool, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        visibility: String,
        archived_at: Option<DateTime<Utc>>,
    }
    let Some(ch) = Row::find_by_statement(sql(
        db,
        "SELECT visibility, archived_at FROM channels WHERE id = ?",
        vec![channel_id.into()],
    ))
    .one(db)
    .await?
    else {
        return Ok(false);
    };
    let actor = reader(db, user_id).await?;
    let facts = channels::facts(
        channel_id,
        Visibility::parse(&ch.visibility),
        ch.archived_at.is_some(),
        &actor,
    );
    Ok(policy::can_read_channel(&actor, &facts))
}

/// The post a reply or mention is in, as notifying needs it.
#[derive(FromQueryResult)]
struct PostRow {
    author_id: i64,
    channel_id: i64,
    body_md: String,
    published_at: DateTime<Utc>,
}

async fn post_row(db: &impl ConnectionTrait, post_id: i64) -> Result<Option<PostRow>, sea_orm::DbErr> {
    PostRow::find_by_statement(sql(
        db,
        "SELECT author_id, channel_id, body_md, published_at FROM posts WHERE id = ?",
        vec![post_id.into()],
    ))
    .one(db)
    .await
}

/// How long an excerpt in a notification is.
const EXCERPT_CHARS: usize = 200;

/// A new reply: tell the post's author, everyone else who took part in the
/// thread, and whoever it mentions, each once (a mention first). Runs in
/// the reply's transaction.
pub async fn reply_added(
    db: &impl ConnectionTrait,
    post_id: i64,
    reply_id: i64,
    author_id: i64,
    body_md: &str,
    mentioned: &[i64],
) -> Result<(), sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Author {
        author_id: i64,
    }
    let Some(post) = post_row(db, post_id).await? else {
        return Ok(());
    };
    let participants: Vec<i64> = Author::find_by_statement(sql(
        db,
        "SELECT DISTINCT author_id FROM replies WHERE post_id = ? AND id <> ? ORDER BY author_id",
        vec![post_id.into(), reply_id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| r.author_id)
    .collect();
    let body = markdown::excerpt(body_md, EXCERPT_CHARS);
    for (user_id, kinds) in notification::reply_recipients(author_id, post.author_id, &participants, mentioned) {
        let new = NewNotification {
            user_id,
            kind: kinds[0],
            actor_id: Some(author_id),
            channel_id: Some(post.channel_id),
            post_id: Some(post_id),
            reply_id: Some(reply_id),
            body: body.clone(),
            link: Some(reply_link(post_id, reply_id)),
        };
        notify_first(db, new, &kinds).await?;
    }
    Ok(())
}

/// Where a reply is on its thread's page.
pub fn reply_link(post_id: i64, reply_id: i64) -> String {
    format!("/p/{post_id}#reply-{reply_id}")
}

/// People @mentioned in a post (`reply_id` none) or a reply, on writing or
/// editing it: each is told once per post or reply, however often it is
/// edited. A post waiting to be published tells nobody until it goes live
/// (`post_published`).
pub async fn mentioned(
    db: &impl ConnectionTrait,
    post_id: i64,
    reply_id: Option<i64>,
    author_id: i64,
    body_md: &str,
    mentioned: &[i64],
) -> Result<(), sea_orm::DbErr> {
    if mentioned.is_empty() {
        return Ok(());
    }
    let Some(post) = post_row(db, post_id).await? else {
        return Ok(());
    };
    if post.published_at > now() {
        return Ok(());
    }
    let body = markdown::excerpt(body_md, EXCERPT_CHARS);
    let link = match reply_id {
        Some(reply_id) => reply_link(post_id, reply_id),
        None => format!("/p/{post_id}"),
    };
    // In ascending id, as every fan-out (see `notification::reply_recipients`).
    let mut mentioned = mentioned.to_vec();
    mentioned.sort_unstable();
    mentioned.dedup();
    for user_id in mentioned {
        let new = NewNotification {
            user_id,
            kind: NotificationKind::Mention,
            actor_id: Some(author_id),
            channel_id: Some(post.channel_id),
            post_id: Some(post_id),
            reply_id,
            body: body.clone(),
            link: Some(link.clone()),
        };
        notify(db, new).await?;
    }
    Ok(())
}

/// A post scheduled for later went live: tell the people it mentions now.
pub async fn post_published(db: &impl ConnectionTrait, post_id: i64) -> Result<(), sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Mentioned {
        user_id: i64,
    }
    let Some(post) = post_row(db, post_id).await? else {
        return Ok(());
    };
    let users: Vec<i64> = Mentioned::find_by_statement(sql(
        db,
        "SELECT user_id FROM mentions WHERE post_id = ? AND reply_id IS NULL ORDER BY user_id",
        vec![post_id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|m| m.user_id)
    .collect();
    mentioned(db, post_id, None, post.author_id, &post.body_md, &users).await
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    kind: String,
    body: String,
    link: Option<String>,
    must_acknowledge: bool,
    created_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    channel_id: Option<i64>,
    channel_visibility: Option<String>,
    channel_archived_at: Option<DateTime<Utc>>,
    channel_name: Option<String>,
    channel_slug: Option<String>,
    post_title: Option<String>,
    actor_name: Option<String>,
    actor_handle: Option<String>,
}

/// A person's notifications with the channel, post and person each names
/// (any of which may be gone).
fn listed(user_id: i64) -> SelectStatement {
    let (table, alias) = notices();
    let (c, p, a) = (Alias::new("c"), Alias::new("p"), Alias::new("a"));
    let at = |table: &Alias, column: &str| (table.clone(), Alias::new(column));
    Query::select()
        .columns(
            [
                "id",
                "kind",
                "body",
                "link",
                "must_acknowledge",
                "created_at",
                "acknowledged_at",
                "channel_id",
            ]
            .map(n),
        )
        .expr_as(Expr::col(at(&c, "visibility")), Alias::new("channel_visibility"))
        .expr_as(Expr::col(at(&c, "archived_at")), Alias::new("channel_archived_at"))
        .expr_as(Expr::col(at(&c, "name")), Alias::new("channel_name"))
        .expr_as(Expr::col(at(&c, "slug")), Alias::new("channel_slug"))
        .expr_as(Expr::col(at(&p, "title")), Alias::new("post_title"))
        .expr_as(Expr::col(at(&a, "name")), Alias::new("actor_name"))
        .expr_as(Expr::col(at(&a, "handle")), Alias::new("actor_handle"))
        .from_as(table, alias)
        .join_as(
            JoinType::LeftJoin,
            channel::Entity,
            c.clone(),
            Expr::col(at(&c, "id")).equals(n("channel_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            post::Entity,
            p.clone(),
            Expr::col(at(&p, "id")).equals(n("post_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            a.clone(),
            Expr::col(at(&a, "id")).equals(n("created_by")),
        )
        .and_where(Expr::col(n("user_id")).eq(user_id))
        .to_owned()
}

/// A notification as its reader sees it.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub body: String,
    pub link: Option<String>,
    pub must_acknowledge: bool,
    pub created: When,
    pub read: bool,
    /// Who did it, when the kind names them.
    pub actor: Option<Named>,
    /// The post it is about, by title.
    pub post_title: Option<String>,
    /// The channel it came from.
    pub channel: Option<Named>,
}

/// A person or channel a notification names: what it is called and its
/// handle or slug (empty for a person whose account is gone).
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub key: String,
}

impl Notification {
    pub fn is_warning(&self) -> bool {
        self.kind == NotificationKind::Warning
    }

    /// Who did what where, in a line of plain text (for email): "Ada
    /// Lovelace mentioned you in “Gritting routes” in #Comms".
    pub fn summary(&self) -> String {
        let Some(actor) = &self.actor else {
            return self.kind.title().to_owned();
        };
        let mut line = format!("{} {}", actor.name, self.kind.verb());
        if let Some(title) = &self.post_title {
            line.push_str(&format!(" “{title}”"));
        }
        if let Some(channel) = &self.channel {
            line.push(' ');
            if !self.kind.channel_word().is_empty() {
                line.push_str(self.kind.channel_word());
                line.push(' ');
            }
            line.push_str(&channel.name);
        }
        line
    }
}

/// Rows as `actor` may see them: a row from a channel they cannot read now
/// (or one that is gone) is left out.
fn readable(rows: Vec<Row>, actor: &Actor) -> Vec<Notification> {
    rows.into_iter()
        .filter(|r| match r.channel_id {
            None => true,
            Some(id) => r.channel_visibility.as_deref().is_some_and(|v| {
                let facts = channels::facts(id, Visibility::parse(v), r.channel_archived_at.is_some(), actor);
                policy::can_read_channel(actor, &facts)
            }),
        })
        .filter_map(|r| {
            let kind = NotificationKind::parse(&r.kind)?;
            Some(Notification {
                id: r.id,
                kind,
                body: r.body,
                link: r.link,
                must_acknowledge: r.must_acknowledge,
                created: When::new(r.created_at),
                read: r.acknowledged_at.is_some(),
                actor: kind.names_actor().then(|| Named {
                    name: r.actor_name.unwrap_or_else(|| "A former member".into()),
                    key: r.actor_handle.unwrap_or_default(),
                }),
                post_title: r.post_title,
                channel: r
                    .channel_name
                    .zip(r.channel_slug)
                    .map(|(name, key)| Named { name, key }),
            })
        })
        .collect()
}

/// A person's notifications they can read now: every unread one (newest
/// first), then the latest read ones, 100 in all.
pub async fn list(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<Notification>, sea_orm::DbErr> {
    let query = listed(actor.user_id)
        .cond_where(readable_channel())
        // Unread first.
        .order_by_expr(Expr::col(n("acknowledged_at")).is_not_null(), Order::Asc)
        .order_by(n("created_at"), Order::Desc)
        .order_by(n("id"), Order::Desc)
        .limit(100)
        .to_owned();
    let rows = Row::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    Ok(readable(rows, actor))
}

/// Mark one of a person's notifications read (never someone else's);
/// whether it was unread.
pub async fn mark_read(db: &impl ConnectionTrait, user_id: i64, id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE notices SET acknowledged_at = ? WHERE id = ? AND user_id = ? AND acknowledged_at IS NULL",
            vec![now().into(), id.into(), user_id.into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// Whether a notification is this person's.
pub async fn is_theirs(db: &impl ConnectionTrait, user_id: i64, id: i64) -> Result<bool, sea_orm::DbErr> {
    let row = Id::find_by_statement(sql(
        db,
        "SELECT id FROM notices WHERE id = ? AND user_id = ?",
        vec![id.into(), user_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.is_some())
}

/// Mark all of a person's notifications read, except warnings, which are
/// acknowledged one by one; returns how many.
pub async fn mark_all_read(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE notices SET acknowledged_at = ? \
             WHERE user_id = ? AND acknowledged_at IS NULL AND NOT must_acknowledge",
            vec![now().into(), user_id.into()],
        ))
        .await?
        .rows_affected())
}

/// A person's choices, by kind; a kind with none is [`Delivery::App`].
pub async fn deliveries(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<HashMap<NotificationKind, Delivery>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Choice {
        kind: String,
        delivery: String,
    }
    let rows = Choice::find_by_statement(sql(
        db,
        "SELECT kind, delivery FROM notification_settings WHERE user_id = ?",
        vec![user_id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let kind = NotificationKind::parse(&c.kind)?;
            Some((kind, Delivery::parse(&c.delivery)?.allowed_for(kind)))
        })
        .collect())
}

/// Keep a person's choice for each kind given (as allowed for it).
pub async fn set_deliveries(
    db: &impl ConnectionTrait,
    user_id: i64,
    choices: &[(NotificationKind, Delivery)],
) -> Result<(), sea_orm::DbErr> {
    let at = now();
    for &(kind, delivery) in choices {
        db.execute(sql(
            db,
            "INSERT INTO notification_settings (user_id, kind, delivery, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery, updated_at = excluded.updated_at",
            vec![
                user_id.into(),
                kind.as_str().into(),
                delivery.allowed_for(kind).as_str().into(),
                at.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// No more notification email for this person: every kind they had by
/// email is shown in the app only, and nothing waiting goes. Returns how
/// many kinds changed.
pub async fn stop_email(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, sea_orm::DbErr> {
    let changed = db
        .execute(sql(
            db,
            "UPDATE notification_settings SET delivery = 'app', updated_at = ? WHERE user_id = ? AND delivery = 'email'",
            vec![now().into(), user_id.into()],
        ))
        .await?
        .rows_affected();
    db.execute(sql(
        db,
        "UPDATE notices SET email_due_at = NULL WHERE user_id = ? AND email_due_at IS NOT NULL",
        vec![user_id.into()],
    ))
    .await?;
    Ok(changed)
}

/// When a notification emailed to `user_id` may go, if it is due at `due`:
/// not before a quarter of an hour after the last email to them.
async fn email_at(
    db: &impl ConnectionTrait,
    user_id: i64,
    due: DateTime<Utc>,
) -> Result<DateTime<Utc>, sea_orm::DbErr> {
    Ok(match last_emailed(db, user_id).await? {
        Some(last) => due.max(last + chrono::Duration::minutes(EMAIL_GAP_MINUTES)),
        None => due,
    })
}

async fn last_emailed(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Last {
        at: Option<DateTime<Utc>>,
    }
    Ok(Last::find_by_statement(sql(
        db,
        "SELECT MAX(emailed_at) AS at FROM notices WHERE user_id = ?",
        vec![user_id.into()],
    ))
    .one(db)
    .await?
    .and_then(|l| l.at))
}

/// Someone with notifications waiting to be emailed, and when their next
/// email may go.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub user_id: i64,
    pub email_at: DateTime<Utc>,
}

/// Everyone with notifications waiting to be emailed, soonest first.
pub async fn waiting(db: &impl ConnectionTrait) -> Result<Vec<Waiting>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: i64,
        first_due: DateTime<Utc>,
        last_sent: Option<DateTime<Utc>>,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT n.user_id, MIN(n.email_due_at) AS first_due, \
           (SELECT MAX(e.emailed_at) FROM notices e WHERE e.user_id = n.user_id) AS last_sent \
         FROM notices n WHERE n.email_due_at IS NOT NULL GROUP BY n.user_id",
        vec![],
    ))
    .all(db)
    .await?;
    let mut out: Vec<Waiting> = rows
        .into_iter()
        .map(|r| Waiting {
            user_id: r.user_id,
            email_at: match r.last_sent {
                Some(last) => r.first_due.max(last + chrono::Duration::minutes(EMAIL_GAP_MINUTES)),
                None => r.first_due,
            },
        })
        .collect();
    out.sort_by_key(|w| (w.email_at, w.user_id));
    Ok(out)
}

/// One person's notifications waiting to be emailed, with whether they
/// have been read meanwhile, and the person as the policy and mail need them.
pub struct EmailBatch {
    pub reader: Actor,
    pub name: String,
    pub email: String,
    /// Active, and the mail server never refused the address for good.
    pub reachable: bool,
    /// Still unread and readable now: to be sent.
    pub send: Vec<Notification>,
    /// Read already, no longer readable, or no longer wanted by email.
    pub drop: Vec<i64>,
}

/// What `user_id`'s next notification email would carry, checked now: the
/// rows read already, from a channel they can no longer read, or of a kind
/// they no longer want by email are dropped, not sent.
pub async fn email_batch(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<EmailBatch>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Person {
        name: String,
        email: String,
        reachable: bool,
    }
    let Some(person) = Person::find_by_statement(sql(
        db,
        "SELECT u.name, u.email, (u.status = 'active' AND NOT EXISTS \
           (SELECT 1 FROM mail_suppressions m WHERE m.email = LOWER(u.email))) AS reachable \
         FROM users u WHERE u.id = ?",
        vec![user_id.into()],
    ))
    .one(db)
    .await?
    else {
        return Ok(None);
    };
    let reader = reader(db, user_id).await?;
    let query = listed(user_id)
        .and_where(Expr::col(n("email_due_at")).is_not_null())
        .order_by(n("created_at"), Order::Asc)
        .order_by(n("id"), Order::Asc)
        .to_owned();
    let rows = Row::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let due: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let chosen = deliveries(db, user_id).await?;
    let send: Vec<Notification> = readable(rows, &reader)
        .into_iter()
        .filter(|n| !n.read && chosen.get(&n.kind).copied().unwrap_or_default() == Delivery::Email)
        .collect();
    let drop = due.into_iter().filter(|id| !send.iter().any(|n| n.id == *id)).collect();
    Ok(Some(EmailBatch {
        reader,
        name: person.name,
        email: person.email,
        reachable: person.reachable,
        send,
        drop,
    }))
}

fn id_list(ids: &[i64]) -> (String, Vec<Value>) {
    (placeholders(ids.len()), ids.iter().map(|&id| id.into()).collect())
}

/// These will not be emailed (read, unreadable, unwanted, or refused).
pub async fn not_emailing(db: &impl ConnectionTrait, user_id: i64, ids: &[i64]) -> Result<(), sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let (marks, mut values) = id_list(ids);
    values.insert(0, user_id.into());
    db.execute(sql(
        db,
        &format!("UPDATE notices SET email_due_at = NULL WHERE user_id = ? AND id IN ({marks})"),
        values,
    ))
    .await?;
    Ok(())
}

/// The email carrying `ids` is being handed to the mail server: mark them
/// emailed, for good. False if any was emailed (or dropped) by someone else
/// meanwhile, in which case the message must not go. Marked before the
/// content goes, so a sender killed mid-send never sends them again.
pub async fn handing_over(db: &impl ConnectionTrait, user_id: i64, ids: &[i64]) -> Result<bool, sea_orm::DbErr> {
    let (marks, ids_values) = id_list(ids);
    let mut values: Vec<Value> = vec![now().into(), user_id.into()];
    values.extend(ids_values);
    let changed = db
        .execute(sql(
            db,
            &format!(
                "UPDATE notices SET email_due_at = NULL, emailed_at = ? \
                 WHERE user_id = ? AND email_due_at IS NOT NULL AND id IN ({marks})"
            ),
            values,
        ))
        .await?
        .rows_affected();
    Ok(changed == ids.len() as u64)
}
