//! Licence applications, channel requests and channel managers as rows, and
//! the two registers the coordinators keep, read from them. Every function
//! takes the caller's connection or transaction: the service that calls
//! them owns the transaction and writes the audit row in it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use super::{placeholders, sql};
use crate::domain::application::{ChannelRequest, Decision, LicenceApplication, Status};
use crate::domain::policy::Visibility;
use crate::domain::time::{When, now};

#[derive(FromQueryResult)]
struct Id {
    id: i64,
}

/// A channel as an application or a register names it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ChannelName {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// Channels a licence is asked for: open and not archived, by name.
pub async fn open_channels(db: &impl ConnectionTrait) -> Result<Vec<ChannelName>, sea_orm::DbErr> {
    ChannelName::find_by_statement(sql(
        db,
        "SELECT id, slug, name FROM channels WHERE visibility = 'open' AND archived_at IS NULL \
         ORDER BY LOWER(name), id",
        vec![],
    ))
    .all(db)
    .await
}

// ---------------------------------------------------------------------------
// Licence applications

/// Record an application; `None` if this person has one waiting already.
pub async fn add_application(
    db: &impl ConnectionTrait,
    user_id: i64,
    form: &LicenceApplication,
) -> Result<Option<i64>, sea_orm::DbErr> {
    // ON CONFLICT rather than catching the error: on PostgreSQL a failed
    // statement would spoil the caller's transaction.
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO licence_applications (user_id, why, trained, manager_name, status, created_at) \
         VALUES (?, ?, ?, ?, 'pending', ?) \
         ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING RETURNING id",
        vec![
            user_id.into(),
            form.why.clone().into(),
            form.trained.into(),
            form.manager_name.clone().into(),
            now().into(),
        ],
    ))
    .one(db)
    .await?;
    let Some(Id { id }) = row else {
        return Ok(None);
    };
    for channel in &form.channels {
        db.execute(sql(
            db,
            "INSERT INTO licence_application_channels (application_id, channel_id) VALUES (?, ?)",
            vec![id.into(), (*channel).into()],
        ))
        .await?;
    }
    Ok(Some(id))
}

/// Say an application was sent at `at` (for demo data, which tells a story).
pub async fn backdate_application(db: &impl ConnectionTrait, id: i64, at: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "UPDATE licence_applications SET created_at = ? WHERE id = ?",
        vec![at.into(), id.into()],
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct ApplicationRow {
    id: i64,
    user_id: i64,
    applicant_name: String,
    applicant_handle: String,
    applicant_email: String,
    department: String,
    why: String,
    trained: bool,
    manager_name: String,
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decider_name: Option<String>,
    decision_reason: Option<String>,
}

/// A licence application as its applicant and the coordinators see it.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub user_id: i64,
    pub applicant_name: String,
    pub applicant_handle: String,
    pub applicant_email: String,
    pub department: String,
    pub why: String,
    pub trained: bool,
    pub manager_name: String,
    pub channels: Vec<ChannelName>,
    pub status: Status,
    pub created: When,
    pub decided: Option<When>,
    /// Who decided; "a former coordinator" once their account is gone.
    pub decider_name: Option<String>,
    /// Why it was declined.
    pub reason: Option<String>,
}

impl Application {
    pub fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }
}

const APPLICATION_COLUMNS: &str = "SELECT a.id, a.user_id, u.name AS applicant_name, u.handle AS applicant_handle, \
       u.email AS applicant_email, u.department, a.why, a.trained, a.manager_name, a.status, a.created_at, \
       a.decided_at, d.name AS decider_name, a.decision_reason \
     FROM licence_applications a JOIN users u ON u.id = a.user_id LEFT JOIN users d ON d.id = a.decided_by";

#[derive(FromQueryResult)]
struct ChannelOf {
    owner_id: i64,
    id: i64,
    slug: String,
    name: String,
}

/// The channels each application asked for.
async fn channels_of(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<ChannelOf>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ChannelOf::find_by_statement(sql(
        db,
        &format!(
            "SELECT ac.application_id AS owner_id, c.id, c.slug, c.name FROM licence_application_channels ac \
             JOIN channels c ON c.id = ac.channel_id WHERE ac.application_id IN ({}) ORDER BY LOWER(c.name), c.id",
            placeholders(ids.len())
        ),
        ids.iter().map(|id| Value::from(*id)).collect(),
    ))
    .all(db)
    .await
}

fn named(channels: &[ChannelOf], owner: i64) -> Vec<ChannelName> {
    channels
        .iter()
        .filter(|c| c.owner_id == owner)
        .map(|c| ChannelName {
            id: c.id,
            slug: c.slug.clone(),
            name: c.name.clone(),
        })
        .collect()
}

async fn applications_where(
    db: &impl ConnectionTrait,
    condition: &str,
    values: Vec<Value>,
) -> Result<Vec<Application>, sea_orm::DbErr> {
    let rows = ApplicationRow::find_by_statement(sql(db, &format!("{APPLICATION_COLUMNS} {condition}"), values))
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let channels = channels_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| Application {
            channels: named(&channels, r.id),
            id: r.id,
            user_id: r.user_id,
            applicant_name: r.applicant_name,
            applicant_handle: r.applicant_handle,
            applicant_email: r.applicant_email,
            department: r.department,
            why: r.why,
            trained: r.trained,
            manager_name: r.manager_name,
            status: Status::parse(&r.status),
            created: When::new(r.created_at),
            decider_name: r
                .decided_at
                .map(|_| r.decider_name.unwrap_or_else(|| "a former coordinator".into())),
            decided: r.decided_at.map(When::new),
            reason: r.decision_reason,
        })
        .collect())
}

pub async fn application(db: &impl ConnectionTrait, id: i64) -> Result<Option<Application>, sea_orm::DbErr> {
    Ok(applications_where(db, "WHERE a.id = ?", vec![id.into()])
        .await?
        .into_iter()
        .next())
}

/// A person's latest application, if they ever applied.
pub async fn latest_application(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<Application>, sea_orm::DbErr> {
    Ok(applications_where(
        db,
        "WHERE a.user_id = ? ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
        vec![user_id.into()],
    )
    .await?
    .into_iter()
    .next())
}

/// How many decided applications and requests the coordinators' page shows.
pub const DECIDED_SHOWN: i64 = 50;

/// Every waiting application, oldest first, then the latest decided ones.
pub async fn applications(db: &impl ConnectionTrait) -> Result<Vec<Application>, sea_orm::DbErr> {
    let mut all = applications_where(db, "WHERE a.status = 'pending' ORDER BY a.created_at, a.id", vec![]).await?;
    all.extend(
        applications_where(
            db,
            "WHERE a.status <> 'pending' ORDER BY a.decided_at DESC, a.id DESC LIMIT ?",
            vec![DECIDED_SHOWN.into()],
        )
        .await?,
    );
    Ok(all)
}

/// Record a decision on a waiting application; false if it was not waiting.
pub async fn decide_application(
    db: &impl ConnectionTrait,
    id: i64,
    by: i64,
    decision: &Decision,
) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE licence_applications SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ? \
             WHERE id = ? AND status = 'pending'",
            vec![
                decision.status().as_str().into(),
                now().into(),
                by.into(),
                decision.reason().map(str::to_owned).into(),
                id.into(),
            ],
        ))
        .await?
        .rows_affected()
        == 1)
}

// ---------------------------------------------------------------------------
// Channel requests

/// Record a request for a new channel, managed by `manager_id`.
pub async fn add_request(
    db: &impl ConnectionTrait,
    requester_id: i64,
    form: &ChannelRequest,
    manager_id: i64,
) -> Result<i64, sea_orm::DbErr> {
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO channel_requests (requester_id, name, slug, purpose, manager_id, status, created_at) \
         VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
        vec![
            requester_id.into(),
            form.name.clone().into(),
            form.slug.as_str().into(),
            form.purpose.clone().into(),
            manager_id.into(),
            now().into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.id).unwrap_or_default())
}

#[derive(FromQueryResult)]
struct RequestRow {
    id: i64,
    requester_id: i64,
    requester_name: String,
    requester_handle: String,
    requester_email: String,
    name: String,
    slug: String,
    purpose: String,
    manager_id: i64,
    manager_name: String,
    manager_handle: String,
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decider_name: Option<String>,
    decision_reason: Option<String>,
    channel_slug: Option<String>,
}

/// A request for a new channel, as the requester and the coordinators see it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub requester_id: i64,
    pub requester_name: String,
    pub requester_handle: String,
    pub requester_email: String,
    pub name: String,
    pub slug: String,
    pub purpose: String,
    pub manager_id: i64,
    pub manager_name: String,
    pub manager_handle: String,
    pub status: Status,
    pub created: When,
    pub decided: Option<When>,
    pub decider_name: Option<String>,
    pub reason: Option<String>,
    /// The channel made from it, once approved (and while it exists).
    pub channel_slug: Option<String>,
}

impl Request {
    pub fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }
}

async fn requests_where(
    db: &impl ConnectionTrait,
    condition: &str,
    values: Vec<Value>,
) -> Result<Vec<Request>, sea_orm::DbErr> {
    let rows = RequestRow::find_by_statement(sql(
        db,
        &format!(
            "SELECT q.id, q.requester_id, r.name AS requester_name, r.handle AS requester_handle, \
               r.email AS requester_email, q.name, q.slug, q.purpose, q.manager_id, m.name AS manager_name, \
               m.handle AS manager_handle, q.status, q.created_at, q.decided_at, d.name AS decider_name, \
               q.decision_reason, c.slug AS channel_slug \
             FROM channel_requests q JOIN users r ON r.id = q.requester_id JOIN users m ON m.id = q.manager_id \
               LEFT JOIN users d ON d.id = q.decided_by LEFT JOIN channels c ON c.id = q.channel_id {condition}"
        ),
        values,
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Request {
            id: r.id,
            requester_id: r.requester_id,
            requester_name: r.requester_name,
            requester_handle: r.requester_handle,
            requester_email: r.requester_email,
            name: r.name,
            slug: r.slug,
            purpose: r.purpose,
            manager_id: r.manager_id,
            manager_name: r.manager_name,
            manager_handle: r.manager_handle,
            status: Status::parse(&r.status),
            created: When::new(r.created_at),
            decider_name: r
                .decided_at
                .map(|_| r.decider_name.unwrap_or_else(|| "a former coordinator".into())),
            decided: r.decided_at.map(When::new),
            reason: r.decision_reason,
            channel_slug: r.channel_slug,
        })
        .collect())
}

pub async fn request(db: &impl ConnectionTrait, id: i64) -> Result<Option<Request>, sea_orm::DbErr> {
    Ok(requests_where(db, "WHERE q.id = ?", vec![id.into()])
        .await?
        .into_iter()
        .next())
}

/// Every waiting request, oldest first, then the latest decided ones.
pub async fn requests(db: &impl ConnectionTrait) -> Result<Vec<Request>, sea_orm::DbErr> {
    let mut all = requests_where(db, "WHERE q.status = 'pending' ORDER BY q.created_at, q.id", vec![]).await?;
    all.extend(
        requests_where(
            db,
            "WHERE q.status <> 'pending' ORDER BY q.decided_at DESC, q.id DESC LIMIT ?",
            vec![DECIDED_SHOWN.into()],
        )
        .await?,
    );
    Ok(all)
}

/// A person's own requests, newest first.
pub async fn requests_by(db: &impl ConnectionTrait, requester_id: i64) -> Result<Vec<Request>, sea_orm::DbErr> {
    requests_where(
        db,
        "WHERE q.requester_id = ? ORDER BY q.created_at DESC, q.id DESC LIMIT 20",
        vec![requester_id.into()],
    )
    .await
}

/// Record a decision on a waiting request (and the channel an approval
/// made); false if it was not waiting.
pub async fn decide_request(
    db: &impl ConnectionTrait,
    id: i64,
    by: i64,
    decision: &Decision,
    channel_id: Option<i64>,
) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE channel_requests SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?, \
               channel_id = ? WHERE id = ? AND status = 'pending'",
            vec![
                decision.status().as_str().into(),
                now().into(),
                by.into(),
                decision.reason().map(str::to_owned).into(),
                channel_id.into(),
                id.into(),
            ],
        ))
        .await?
        .rows_affected()
        == 1)
}

// ---------------------------------------------------------------------------
// Channel managers

/// Make someone a manager of a channel (nothing changes if they are one).
pub async fn add_manager(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    added_by: Option<i64>,
) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "INSERT INTO channel_managers (channel_id, user_id, kind, added_at, added_by) VALUES (?, ?, 'manager', ?, ?) \
         ON CONFLICT (channel_id, user_id) DO NOTHING",
        vec![channel_id.into(), user_id.into(), now().into(), added_by.into()],
    ))
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The registers

#[derive(FromQueryResult)]
struct ContributorRow {
    id: i64,
    name: String,
    handle: String,
    email: String,
    department: String,
    since: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct ApprovalRow {
    id: i64,
    user_id: i64,
    decider_name: Option<String>,
}

/// One line of the register of contributors.
#[derive(Debug, Clone)]
pub struct Contributor {
    pub user_id: i64,
    pub name: String,
    pub handle: String,
    pub email: String,
    pub department: String,
    /// When they were first given the role that holds the licence.
    pub since: DateTime<Utc>,
    /// The coordinator who approved their application; `None` when an
    /// administrator gave the role without one.
    pub approved_by: Option<String>,
    /// The channels their approved application named.
    pub channels: Vec<ChannelName>,
}

impl Contributor {
    pub fn since_when(&self) -> When {
        When::new(self.since)
    }
}

/// Everyone active who holds a licence to post by a role (contributors,
/// curators and administrators; not everyone an organisation-wide
/// setting lets post), by name.
pub async fn contributors(db: &impl ConnectionTrait) -> Result<Vec<Contributor>, sea_orm::DbErr> {
    let rows = ContributorRow::find_by_statement(sql(
        db,
        "SELECT u.id, u.name, u.handle, u.email, u.department, MIN(r.granted_at) AS since \
         FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role IN ('contributor', 'curator', 'admin') AND u.status = 'active' \
         GROUP BY u.id, u.name, u.handle, u.email, u.department ORDER BY LOWER(u.name), u.id",
        vec![],
    ))
    .all(db)
    .await?;
    // Each person's latest approved application says who approved them.
    let approvals = ApprovalRow::find_by_statement(sql(
        db,
        "SELECT a.id, a.user_id, d.name AS decider_name FROM licence_applications a \
         LEFT JOIN users d ON d.id = a.decided_by WHERE a.status = 'approved' ORDER BY a.decided_at, a.id",
        vec![],
    ))
    .all(db)
    .await?;
    let ids: Vec<i64> = approvals.iter().map(|a| a.id).collect();
    let channels = channels_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let approval = approvals.iter().rev().find(|a| a.user_id == r.id);
            Contributor {
                user_id: r.id,
                name: r.name,
                handle: r.handle,
                email: r.email,
                department: r.department,
                since: r.since,
                approved_by: approval.map(|a| a.decider_name.clone().unwrap_or_else(|| "a former coordinator".into())),
                channels: approval.map(|a| named(&channels, a.id)).unwrap_or_default(),
            }
        })
        .collect())
}

#[derive(FromQueryResult)]
struct ChannelRow {
    id: i64,
    name: String,
    slug: String,
    visibility: String,
    archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    last_post: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct ManagerRow {
    channel_id: i64,
    name: String,
    handle: String,
    until: Option<DateTime<Utc>>,
}

/// A channel's manager, as the register names them.
#[derive(Debug, Clone)]
pub struct Manager {
    pub name: String,
    pub handle: String,
    /// For a deputy: when their cover ends.
    pub until: Option<DateTime<Utc>>,
}

impl Manager {
    /// A deputy's last day of cover, in `tz` (their cover ends as it does).
    pub fn last_day(&self, tz: &chrono_tz::Tz) -> String {
        self.until
            .map(|u| crate::domain::time::last_local_day(u, *tz))
            .unwrap_or_default()
    }
}

/// One line of the channel register.
#[derive(Debug, Clone)]
pub struct RegisteredChannel {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub visibility: Visibility,
    pub archived: bool,
    pub managers: Vec<Manager>,
    /// Deputies whose cover has not ended, with its end.
    pub deputies: Vec<Manager>,
    pub created_at: DateTime<Utc>,
    /// When its latest (not deleted) post was published.
    pub last_post: Option<DateTime<Utc>>,
}

impl RegisteredChannel {
    pub fn created(&self) -> When {
        When::new(self.created_at)
    }

    pub fn last_post_when(&self) -> Option<When> {
        self.last_post.map(When::new)
    }

    /// The visibility in a few words.
    pub fn visibility_name(&self) -> &'static str {
        match self.visibility {
            Visibility::Open => "open",
            Visibility::PrivateListed => "private, listed",
            Visibility::PrivateHidden => "private, hidden",
        }
    }
}

/// Every channel, by name: the coordinators keep the register of all of
/// them, private ones included (their names, never their content).
pub async fn channel_register(db: &impl ConnectionTrait) -> Result<Vec<RegisteredChannel>, sea_orm::DbErr> {
    let rows = ChannelRow::find_by_statement(sql(
        db,
        "SELECT c.id, c.name, c.slug, c.visibility, c.archived_at, c.created_at, \
           (SELECT MAX(p.published_at) FROM posts p WHERE p.channel_id = c.id AND p.deleted_at IS NULL \
             AND p.published_at <= ?) AS last_post \
         FROM channels c ORDER BY LOWER(c.name), c.id",
        vec![now().into()],
    ))
    .all(db)
    .await?;
    let managers = ManagerRow::find_by_statement(sql(
        db,
        "SELECT m.channel_id, u.name, u.handle, m.until FROM channel_managers m JOIN users u ON u.id = m.user_id \
         WHERE m.until IS NULL OR m.until > ? ORDER BY m.added_at, LOWER(u.name)",
        vec![now().into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (deputies, managers) = managers
                .iter()
                .filter(|m| m.channel_id == r.id)
                .map(|m| Manager {
                    name: m.name.clone(),
                    handle: m.handle.clone(),
                    until: m.until,
                })
                .partition(|m| m.until.is_some());
            RegisteredChannel {
                managers,
                deputies,
                id: r.id,
                name: r.name,
                slug: r.slug,
                visibility: Visibility::parse(&r.visibility),
                archived: r.archived_at.is_some(),
                created_at: r.created_at,
                last_post: r.last_post,
            }
        })
        .collect())
}
