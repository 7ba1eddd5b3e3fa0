//! Sending the weekly digest: one outbox row per recipient and week, unique
//! in the database, so planning a week twice adds nobody twice. A sender
//! claims rows with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
//! has one writer), and every change below is guarded by that lease: a
//! sender that lost its row to another changes nothing.
//!
//! A row is marked `handing` just before the message's content goes to the
//! mail server, and `sent` once the server accepted it. A sender killed in
//! between leaves the row `handing`: it may have arrived, so it is never
//! sent again by itself, and administrators see it as unconfirmed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::NotSet, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Set, TransactionTrait, Value,
};

use super::sql;
use crate::domain::digest::{DigestContents, DigestWeek, Recipient, SendStatus};
use crate::domain::time::now;
use crate::entities::{digest_outbox, mail_suppression};

/// A row a sender holds.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub email: String,
    pub attempts: i32,
    pub lease_owner: String,
}

impl Claimed {
    pub fn recipient(&self) -> Option<Recipient> {
        Recipient::parse(&self.recipient)
    }
}

/// Who should get `week`'s digest as things stand: active account holders
/// who have not switched it off, and confirmed email-only subscribers;
/// never an address the mail server refused for good.
pub async fn eligible(db: &impl ConnectionTrait) -> Result<Vec<(Recipient, String)>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        email: String,
        account: i32,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT u.id, u.email, 1 AS account FROM users u LEFT JOIN digest_subscribers s ON s.user_id = u.id \
         WHERE u.status = 'active' AND COALESCE(s.frequency, 'weekly') = 'weekly' \
           AND NOT EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email = LOWER(u.email)) \
         UNION ALL \
         SELECT s.id, s.email, 0 AS account FROM digest_subscribers s \
         WHERE s.user_id IS NULL AND s.email IS NOT NULL AND s.confirmed_at IS NOT NULL \
           AND s.frequency = 'weekly' \
           AND NOT EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email = LOWER(s.email)) \
         ORDER BY 3 DESC, 1",
        vec![],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let who = if r.account == 1 {
                Recipient::Account(r.id)
            } else {
                Recipient::Subscriber(r.id)
            };
            (who, r.email.to_lowercase())
        })
        .collect())
}

/// Add a row for each recipient who has none for `week` yet; returns how
/// many were added.
pub async fn plan(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    recipients: &[(Recipient, String)],
) -> Result<u64, sea_orm::DbErr> {
    let at = now();
    let mut added = 0;
    for chunk in recipients.chunks(500) {
        let rows = chunk.iter().map(|(who, email)| digest_outbox::ActiveModel {
            id: NotSet,
            week: Set(week.to_string()),
            recipient: Set(who.key()),
            email: Set(email.clone()),
            status: Set(SendStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            lease_owner: Set(None),
            lease_until: Set(None),
            next_attempt_at: Set(at),
            message_id: Set(None),
            contents: Set(None),
            last_error: Set(None),
            handed_at: Set(None),
            sent_at: Set(None),
            created_at: Set(at),
        });
        added += digest_outbox::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([digest_outbox::Column::Week, digest_outbox::Column::Recipient])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(added)
}

/// Claim up to `limit` rows of `week` that are due and nobody holds (or
/// whose holder's lease ran out), for `owner`; `only` limits it to one address.
/// The earliest due first, then in the order they were planned: that is the
/// order of the `digest_outbox_due` index, so a claim reads a few of its
/// entries and stops, where ordering by id alone sorted every pending row of
/// the week each time (a millisecond per claim at 10,000 recipients).
pub async fn claim(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    owner: &str,
    limit: usize,
    lease: chrono::Duration,
    only: Option<&str>,
) -> Result<Vec<Claimed>, sea_orm::DbErr> {
    let at = now();
    let skip_locked = if db.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let only_clause = if only.is_some() { " AND email = ?" } else { "" };
    let text = format!(
        "UPDATE digest_outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM digest_outbox WHERE week = ? AND status = 'pending' AND next_attempt_at <= ? \
                      AND (lease_until IS NULL OR lease_until < ?){only_clause} \
                      ORDER BY next_attempt_at, id LIMIT ?{skip_locked}) \
         RETURNING id, recipient, email, attempts, lease_owner"
    );
    let mut values: Vec<Value> = vec![
        owner.into(),
        (at + lease).into(),
        week.to_string().into(),
        at.into(),
        at.into(),
    ];
    if let Some(email) = only {
        values.push(email.to_lowercase().into());
    }
    values.push((limit as i64).into());
    let mut rows = Claimed::find_by_statement(sql(db, &text, values)).all(db).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// When the first lease on a due row of `week` that someone else holds runs
/// out, if any is held (a sender working on it, or one that stopped).
pub async fn held_until(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    only: Option<&str>,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        until: Option<DateTime<Utc>>,
    }
    let at = now();
    let only_clause = if only.is_some() { " AND email = ?" } else { "" };
    let mut values: Vec<Value> = vec![week.to_string().into(), at.into(), at.into()];
    if let Some(email) = only {
        values.push(email.to_lowercase().into());
    }
    let row = Row::find_by_statement(sql(
        db,
        &format!(
            "SELECT MIN(lease_until) AS until FROM digest_outbox WHERE week = ? AND status = 'pending' \
             AND next_attempt_at <= ? AND lease_until >= ?{only_clause}"
        ),
        values,
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.until))
}

/// Change a row this sender holds; false if the lease was lost.
async fn guarded(
    db: &impl ConnectionTrait,
    row: &Claimed,
    set: &str,
    mut values: Vec<Value>,
) -> Result<bool, sea_orm::DbErr> {
    let text = format!("UPDATE digest_outbox SET {set} WHERE id = ? AND lease_owner = ?");
    values.push(row.id.into());
    values.push(row.lease_owner.clone().into());
    Ok(db.execute(sql(db, &text, values)).await?.rows_affected() == 1)
}

/// The message is about to be handed over: record what it carries (for the
/// archive page) and its Message-ID. False if the lease was lost, in which
/// case the message must not be sent.
pub async fn handing(
    db: &impl ConnectionTrait,
    row: &Claimed,
    message_id: &str,
    contents: &DigestContents,
) -> Result<bool, sea_orm::DbErr> {
    let json = serde_json::to_string(contents).unwrap_or_default();
    guarded(
        db,
        row,
        "status = 'handing', message_id = ?, contents = ?, handed_at = ?",
        vec![message_id.into(), json.into(), now().into()],
    )
    .await
}

/// The message for `row` is about to be handed over, as `handing`, and the
/// mail server accepted `accepted`'s (another row this sender holds) at the
/// time given, as `sent`: both recorded in one statement, so a sender
/// writes once per message. False if `row`'s lease was lost (then it must
/// not be sent; `accepted` is recorded all the same if still held).
pub async fn handing_after(
    db: &impl ConnectionTrait,
    row: &Claimed,
    message_id: &str,
    contents: &DigestContents,
    accepted: Option<(&Claimed, DateTime<Utc>)>,
) -> Result<bool, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let Some((done, at)) = accepted else {
        return handing(db, row, message_id, contents).await;
    };
    let json = serde_json::to_string(contents).unwrap_or_default();
    // Each column as `handing` sets it for `row`, as `sent` sets it for the other.
    let text = "UPDATE digest_outbox SET \
          status = CASE WHEN id = ? THEN 'handing' ELSE 'sent' END, \
          message_id = CASE WHEN id = ? THEN ? ELSE message_id END, \
          contents = CASE WHEN id = ? THEN ? ELSE contents END, \
          handed_at = CASE WHEN id = ? THEN ? ELSE handed_at END, \
          sent_at = CASE WHEN id = ? THEN sent_at ELSE ? END, \
          lease_owner = CASE WHEN id = ? THEN lease_owner ELSE NULL END, \
          lease_until = CASE WHEN id = ? THEN lease_until ELSE NULL END, \
          last_error = CASE WHEN id = ? THEN last_error ELSE NULL END \
        WHERE (id = ? AND lease_owner = ?) OR (id = ? AND lease_owner = ?) \
        RETURNING id";
    let values: Vec<Value> = vec![
        row.id.into(),
        row.id.into(),
        message_id.into(),
        row.id.into(),
        json.into(),
        row.id.into(),
        now().into(),
        row.id.into(),
        at.into(),
        row.id.into(),
        row.id.into(),
        row.id.into(),
        row.id.into(),
        row.lease_owner.clone().into(),
        done.id.into(),
        done.lease_owner.clone().into(),
    ];
    let changed = Id::find_by_statement(sql(db, text, values)).all(db).await?;
    Ok(changed.iter().any(|c| c.id == row.id))
}

/// The mail server accepted it.
pub async fn sent(db: &impl ConnectionTrait, row: &Claimed) -> Result<bool, sea_orm::DbErr> {
    sent_at(db, row, now()).await
}

/// The mail server accepted it at `at` (recorded later).
pub async fn sent_at(db: &impl ConnectionTrait, row: &Claimed, at: DateTime<Utc>) -> Result<bool, sea_orm::DbErr> {
    guarded(
        db,
        row,
        "status = 'sent', sent_at = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL",
        vec![at.into()],
    )
    .await
}

/// Nothing was sent, for good: nothing to say this week, or the reader
/// switched it off or was suspended since the week was planned.
pub async fn settle(
    db: &impl ConnectionTrait,
    row: &Claimed,
    status: SendStatus,
    why: &str,
) -> Result<bool, sea_orm::DbErr> {
    guarded(
        db,
        row,
        "status = ?, last_error = ?, lease_owner = NULL, lease_until = NULL",
        vec![status.as_str().into(), why.into()],
    )
    .await
}

/// The connection broke after the content went and before the server
/// answered: it may have arrived, so it stays unconfirmed and is not sent again.
pub async fn unconfirmed(db: &impl ConnectionTrait, row: &Claimed, error: &str) -> Result<bool, sea_orm::DbErr> {
    guarded(
        db,
        row,
        "last_error = ?, lease_owner = NULL, lease_until = NULL",
        vec![error.into()],
    )
    .await
}

/// A temporary failure: try again at `at`.
pub async fn retry(
    db: &impl ConnectionTrait,
    row: &Claimed,
    error: &str,
    at: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    guarded(
        db,
        row,
        "status = 'pending', next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL",
        vec![at.into(), error.into()],
    )
    .await
}

/// The mail server refused the address for good: the row fails and the
/// address is refused from now on, in one transaction.
pub async fn refused(
    db: &impl TransactionTrait,
    row: &Claimed,
    code: u16,
    error: &str,
    source: &str,
) -> Result<bool, sea_orm::DbErr> {
    let txn = super::begin_write(db).await?;
    let held = guarded(
        &txn,
        row,
        "status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL",
        vec![error.into()],
    )
    .await?;
    if held {
        mail_suppression::Entity::insert(mail_suppression::ActiveModel {
            email: Set(row.email.to_lowercase()),
            code: Set(i32::from(code)),
            reason: Set(error.to_owned()),
            source: Set(source.to_owned()),
            recorded_at: Set(now()),
        })
        .on_conflict(
            OnConflict::column(mail_suppression::Column::Email)
                .update_columns([
                    mail_suppression::Column::Code,
                    mail_suppression::Column::Reason,
                    mail_suppression::Column::Source,
                    mail_suppression::Column::RecordedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(held)
}

/// How a week's sending stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekSummary {
    pub planned: i64,
    pub pending: i64,
    /// Being handed over by a sender that holds it now.
    pub handing: i64,
    /// Left mid-hand-over by a sender that stopped: may have arrived.
    pub unconfirmed: i64,
    pub sent: i64,
    pub empty: i64,
    pub skipped: i64,
    pub failed: i64,
}

impl WeekSummary {
    /// Rows nobody will touch again: every one sent, empty, skipped,
    /// failed or unconfirmed.
    pub fn finished(&self) -> bool {
        self.pending == 0 && self.handing == 0
    }
}

pub async fn summary(db: &impl ConnectionTrait, week: DigestWeek) -> Result<WeekSummary, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        stale: i32,
        n: i64,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT status, CASE WHEN status = 'handing' AND (lease_until IS NULL OR lease_until < ?) THEN 1 ELSE 0 END \
           AS stale, COUNT(*) AS n FROM digest_outbox WHERE week = ? GROUP BY 1, 2",
        vec![now().into(), week.to_string().into()],
    ))
    .all(db)
    .await?;
    let mut out = WeekSummary::default();
    for r in rows {
        out.planned += r.n;
        let slot = match (SendStatus::parse(&r.status), r.stale) {
            (Some(SendStatus::Pending), _) => &mut out.pending,
            (Some(SendStatus::Handing), 1) => &mut out.unconfirmed,
            (Some(SendStatus::Handing), _) => &mut out.handing,
            (Some(SendStatus::Sent), _) => &mut out.sent,
            (Some(SendStatus::Empty), _) => &mut out.empty,
            (Some(SendStatus::Skipped), _) => &mut out.skipped,
            (Some(SendStatus::Failed), _) | (None, _) => &mut out.failed,
        };
        *slot += r.n;
    }
    Ok(out)
}

/// The earliest time a pending row of any week is due (temporary failures
/// waiting for their retry), with its week.
pub async fn next_retry(db: &impl ConnectionTrait) -> Result<Option<(DigestWeek, DateTime<Utc>)>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        week: String,
        next_attempt_at: DateTime<Utc>,
    }
    let row = Row::find_by_statement(sql(
        db,
        "SELECT week, next_attempt_at FROM digest_outbox WHERE status = 'pending' \
         ORDER BY next_attempt_at, id LIMIT 1",
        vec![],
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.week.parse().ok().map(|w| (w, r.next_attempt_at))))
}

/// What `recipient` was sent for `week`, as it was put together then.
pub async fn archived(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    recipient: Recipient,
) -> Result<Option<DigestContents>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        contents: Option<String>,
    }
    let row = Row::find_by_statement(sql(
        db,
        "SELECT contents FROM digest_outbox WHERE week = ? AND recipient = ? AND status IN ('sent', 'handing')",
        vec![week.to_string().into(), recipient.key().into()],
    ))
    .one(db)
    .await?;
    Ok(row
        .and_then(|r| r.contents)
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// One recipient's row for one week, as the archive reads it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub week: DigestWeek,
    pub status: SendStatus,
    /// What it carried, once it was handed over.
    pub contents: Option<DigestContents>,
    /// Why it was skipped, or the last failure.
    pub last_error: Option<String>,
    pub handed_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct EntryRow {
    week: String,
    status: String,
    contents: Option<String>,
    last_error: Option<String>,
    handed_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
}

impl EntryRow {
    fn entry(self, with_contents: bool) -> Option<Entry> {
        Some(Entry {
            week: self.week.parse().ok()?,
            // A status this version does not know is treated as not sent.
            status: SendStatus::parse(&self.status).unwrap_or(SendStatus::Failed),
            contents: self
                .contents
                .filter(|_| with_contents)
                .and_then(|json| serde_json::from_str(&json).ok()),
            last_error: self.last_error,
            handed_at: self.handed_at,
            sent_at: self.sent_at,
        })
    }
}

/// `recipient`'s row for `week`, with what it carried, if there is one.
pub async fn entry(
    db: &impl ConnectionTrait,
    week: DigestWeek,
    recipient: Recipient,
) -> Result<Option<Entry>, sea_orm::DbErr> {
    let row = EntryRow::find_by_statement(sql(
        db,
        "SELECT week, status, contents, last_error, handed_at, sent_at FROM digest_outbox \
         WHERE week = ? AND recipient = ?",
        vec![week.to_string().into(), recipient.key().into()],
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.entry(true)))
}

/// `recipient`'s rows from `since` on, newest first, without what they carried.
pub async fn history(
    db: &impl ConnectionTrait,
    recipient: Recipient,
    since: DigestWeek,
) -> Result<Vec<Entry>, sea_orm::DbErr> {
    // ISO weeks written as YYYY-Wnn sort as text in time order.
    let rows = EntryRow::find_by_statement(sql(
        db,
        "SELECT week, status, CAST(NULL AS TEXT) AS contents, last_error, handed_at, sent_at FROM digest_outbox \
         WHERE recipient = ? AND week >= ? ORDER BY week DESC",
        vec![recipient.key().into(), since.to_string().into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.entry(false)).collect())
}

/// The latest `limit` weeks anyone was planned a digest for, newest first.
pub async fn recent_weeks(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<DigestWeek>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        week: String,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT DISTINCT week FROM digest_outbox ORDER BY week DESC LIMIT ?",
        vec![(limit as i64).into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.week.parse().ok()).collect())
}

/// An address the mail server refused for good.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub email: String,
    pub code: i32,
    pub reason: String,
    pub source: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<mail_suppression::Model> for Refusal {
    fn from(m: mail_suppression::Model) -> Self {
        Refusal {
            email: m.email,
            code: m.code,
            reason: m.reason,
            source: m.source,
            recorded_at: m.recorded_at,
        }
    }
}

/// Every refused address, the latest first.
pub async fn refusals(db: &impl ConnectionTrait) -> Result<Vec<Refusal>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    Ok(mail_suppression::Entity::find()
        .order_by_desc(mail_suppression::Column::RecordedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Refusal::from)
        .collect())
}

/// The refusal recorded for `email`, if any.
pub async fn refusal(db: &impl ConnectionTrait, email: &str) -> Result<Option<Refusal>, sea_orm::DbErr> {
    Ok(mail_suppression::Entity::find_by_id(email.trim().to_lowercase())
        .one(db)
        .await?
        .map(Refusal::from))
}

/// An administrator fixed the address: mail may go to it again.
pub async fn clear_refusal(db: &impl ConnectionTrait, email: &str) -> Result<bool, sea_orm::DbErr> {
    Ok(mail_suppression::Entity::delete_by_id(email.trim().to_lowercase())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}
