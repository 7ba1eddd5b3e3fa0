//! The weekly digest end to end: one reader's digest put together under what
//! they may read at that moment (for the sender, the preview command and
//! pages), and a week's sending — planned into the outbox once, claimed in
//! small leased batches by a few concurrent couriers, each row marked as the
//! mail server takes its message.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::task::JoinSet;

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::digest::{
    ArchiveEntry, ArchiveOutline, DigestContents, DigestWeek, Frequency, NoDigest, Recipient, SWITCHED_OFF, SendStatus,
};
use crate::domain::policy::Actor;
use crate::domain::time::now;
use crate::domain::token::Purpose;
use crate::email::digest as compose;
use crate::email::mailer::{DeliveryError, Outgoing, Rendered};
use crate::service::subscriptions;
use crate::state::AppState;
use crate::store::digest_outbox::{self, Claimed, Entry, Refusal, WeekSummary};
use crate::store::{audit, digest, users};

/// One reader's digest for a week, and whether they would be sent it.
pub struct Preview {
    pub contents: DigestContents,
    pub subject: String,
    pub text: String,
    /// They chose not to get the digest at all.
    pub switched_off: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("nobody has the address {0}")]
    NoSuchPerson(String),
    #[error("{0}'s account is suspended, so they get no digest")]
    Suspended(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The week a digest sent now would report on: the last whole week.
pub fn last_week(state: &AppState) -> DigestWeek {
    state.settings.digest.schedule().reports_on(now())
}

/// The week the next digest to go out will report on (the one an editor's
/// note written now is for).
pub fn next_week(state: &AppState) -> DigestWeek {
    let schedule = state.settings.digest.schedule();
    let at = now();
    schedule.reports_on(schedule.next_after(at).unwrap_or(at))
}

/// The addresses one recipient's digest links to. An account holder signs
/// in for the archive and their email settings; an email-only subscriber
/// has no account, so theirs carry signed tokens: the archive page reads
/// `?t=` (a `ReadDigest` token for this recipient), and their preferences
/// are their subscription's own page.
pub fn links(state: &AppState, recipient: Recipient, week: DigestWeek) -> compose::Links {
    let base = state.settings.public_base();
    let token = state.signer.sign(Purpose::Unsubscribe, &recipient.to_bytes());
    let (view_in_browser, preferences) = match recipient {
        Recipient::Account(_) => (format!("{base}/digest/{week}"), format!("{base}/settings/email")),
        Recipient::Subscriber(id) => (
            format!("{base}/digest/{week}?t={}", read_token(state, recipient)),
            subscriptions::manage_link(state, id),
        ),
    };
    compose::Links {
        view_in_browser,
        preferences,
        unsubscribe: format!("{base}/unsubscribe/{token}"),
        base,
    }
}

/// What `email` would get for `week`, under what they may read now.
pub async fn preview(state: &AppState, email: &str, week: DigestWeek) -> Result<Preview, PreviewError> {
    let email = email.trim().to_lowercase();
    let account = users::account_by_email(&state.db, &email)
        .await?
        .ok_or_else(|| PreviewError::NoSuchPerson(email.clone()))?;
    if !account.active {
        return Err(PreviewError::Suspended(email));
    }
    let recipient = Recipient::Account(account.id);
    let reader = Actor::reader(account.id, account.roles, account.channels);
    let prefs = digest::preferences(&state.db, reader.user_id).await?;
    let span = week.span(state.settings.digest.timezone);
    let contents = digest::contents(&state.db, &reader, &prefs, week, span).await?;
    // Someone else reads a preview: its unsubscribe link must not work for them.
    let mut links = links(state, recipient, week);
    links.unsubscribe = "(their own unsubscribe link)".to_owned();
    Ok(Preview {
        subject: compose::subject(&contents),
        text: compose::text(&contents, &links),
        switched_off: prefs.frequency == Frequency::Never,
        contents,
    })
}

/// Whose unsubscribe link `token` is, and their address; `None` for a
/// token this instance did not sign, or a recipient who is gone.
pub async fn unsubscriber(state: &AppState, token: &str) -> Result<Option<(Recipient, String)>, sea_orm::DbErr> {
    let Some(recipient) = state
        .signer
        .verify(Purpose::Unsubscribe, token)
        .and_then(|bytes| Recipient::from_bytes(&bytes))
    else {
        return Ok(None);
    };
    Ok(digest::address_of(&state.db, recipient)
        .await?
        .map(|email| (recipient, email)))
}

/// One-click unsubscribe: the holder of `token` gets no more digests.
/// Returns who they are and their address, or `None` if the token is not valid.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<Option<(Recipient, String)>, sea_orm::DbErr> {
    let Some((recipient, email)) = unsubscriber(state, token).await? else {
        return Ok(None);
    };
    digest::switch_off(&state.db, recipient).await?;
    tracing::info!(recipient = %recipient.key(), "unsubscribed from the digest by its link");
    Ok(Some((recipient, email)))
}

/// The token in an email-only subscriber's "View in browser" link
/// (`/digest/{week}?t=…`), which opens their digests without signing in.
pub fn read_token(state: &AppState, recipient: Recipient) -> String {
    state.signer.sign(Purpose::ReadDigest, &recipient.to_bytes())
}

/// What an outbox row has to show.
fn shown(entry: Entry) -> ArchiveEntry {
    let confirmed = entry.status == SendStatus::Sent;
    match entry.contents {
        Some(contents) if matches!(entry.status, SendStatus::Sent | SendStatus::Handing) => ArchiveEntry::Sent {
            contents,
            at: entry.sent_at.or(entry.handed_at),
            confirmed,
        },
        _ => ArchiveEntry::None(NoDigest::from_outcome(entry.status, entry.last_error.as_deref())),
    }
}

/// A signed-in reader's own digest for `week`: what they were sent (showing
/// only what they may still read), or for the week the next digest reports
/// on, what it holds so far; otherwise why there is none.
pub async fn archive(state: &AppState, reader: &Actor, week: DigestWeek) -> Result<ArchiveEntry, sea_orm::DbErr> {
    let recipient = Recipient::Account(reader.user_id);
    let coming = next_week(state);
    match digest_outbox::entry(&state.db, week, recipient).await? {
        Some(entry) => still_readable(state, reader, shown(entry)).await,
        None if week == coming => {
            let prefs = digest::preferences(&state.db, reader.user_id).await?;
            let span = week.span(state.settings.digest.timezone);
            let contents = digest::contents(&state.db, reader, &prefs, week, span).await?;
            Ok(ArchiveEntry::Coming {
                contents,
                switched_off: prefs.frequency == Frequency::Never,
            })
        }
        None if week > coming => Ok(ArchiveEntry::None(NoDigest::NotYet)),
        None => Ok(ArchiveEntry::None(NoDigest::NeverPlanned)),
    }
}

/// An email-only subscriber's digest for `week`, by the token in its link:
/// only what was sent to them, and of that only what anyone without an
/// account could read now (nothing removed since, nothing from a channel
/// made private since). `None` if the token is not one this instance signed
/// for a subscriber who still exists.
pub async fn archive_by_token(
    state: &AppState,
    token: &str,
    week: DigestWeek,
) -> Result<Option<ArchiveEntry>, sea_orm::DbErr> {
    let Some(recipient @ Recipient::Subscriber(_)) = state
        .signer
        .verify(Purpose::ReadDigest, token)
        .and_then(|bytes| Recipient::from_bytes(&bytes))
    else {
        return Ok(None);
    };
    if digest::address_of(&state.db, recipient).await?.is_none() {
        return Ok(None);
    }
    let outsider = Actor::reader(0, Vec::new(), Vec::new());
    Ok(Some(match digest_outbox::entry(&state.db, week, recipient).await? {
        Some(entry) => still_readable(state, &outsider, shown(entry)).await?,
        None if week >= next_week(state) => ArchiveEntry::None(NoDigest::NotYet),
        None => ArchiveEntry::None(NoDigest::NeverPlanned),
    }))
}

/// A sent digest with only what `reader` may read now.
async fn still_readable(state: &AppState, reader: &Actor, entry: ArchiveEntry) -> Result<ArchiveEntry, sea_orm::DbErr> {
    Ok(match entry {
        ArchiveEntry::Sent {
            contents,
            at,
            confirmed,
        } => {
            let readable = digest::still_readable(&state.db, reader, &contents).await?;
            ArchiveEntry::Sent {
                contents: contents.keep_readable(&readable),
                at,
                confirmed,
            }
        }
        other => other,
    })
}

/// How each of a reader's latest `weeks` weeks went, newest first, starting
/// with the week the next digest reports on.
pub async fn history(
    state: &AppState,
    reader_id: i64,
    weeks: usize,
) -> Result<Vec<(DigestWeek, ArchiveOutline)>, sea_orm::DbErr> {
    let coming = next_week(state);
    let mut week = coming;
    let mut all = vec![coming];
    for _ in 1..weeks {
        week = week.previous();
        all.push(week);
    }
    let rows = digest_outbox::history(&state.db, Recipient::Account(reader_id), week).await?;
    Ok(all
        .into_iter()
        .map(|week| {
            let outline = match rows.iter().find(|r| r.week == week) {
                Some(entry) => match entry.status {
                    SendStatus::Sent => ArchiveOutline::Sent(entry.sent_at),
                    SendStatus::Handing => ArchiveOutline::Sent(entry.handed_at),
                    status => ArchiveOutline::None(NoDigest::from_outcome(status, entry.last_error.as_deref())),
                },
                None if week == coming => ArchiveOutline::Coming,
                None => ArchiveOutline::None(NoDigest::NeverPlanned),
            };
            (week, outline)
        })
        .collect())
}

/// Let mail go again to an address the mail server refused, recording who
/// did it in the audit log, in one transaction. Returns the refusal that was
/// cleared, or `None` if there was none (already cleared).
pub async fn clear_refusal(
    db: &impl sea_orm::TransactionTrait,
    actor_id: i64,
    email: &str,
) -> Result<Option<Refusal>, sea_orm::DbErr> {
    let txn = crate::store::begin_write(db).await?;
    let Some(refusal) = digest_outbox::refusal(&txn, email).await? else {
        return Ok(None);
    };
    digest_outbox::clear_refusal(&txn, &refusal.email).await?;
    audit::record(
        &txn,
        Some(actor_id),
        AuditAction::RefusalClear,
        &AuditTarget::Address(refusal.email.clone()),
        &format!("{} {} ({})", refusal.code, refusal.reason, refusal.source),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(refusal))
}

/// What a recipient gets this time, decided when their row is sent.
enum Decision {
    Send(Box<DigestContents>),
    /// Nothing sent, and why (for the outbox row).
    Skip(SendStatus, &'static str),
}

/// How long a send draws on the week's shared material before reading it
/// again: engagement counts and new channels in a digest are at most this
/// old (a post deleted or hidden since is caught for each reader anyway).
const MATERIAL_AGE: std::time::Duration = std::time::Duration::from_secs(10);

/// A send's shared material for its week (`digest::WeekMaterial`), read
/// once for all its couriers, and again when it is older than
/// `MATERIAL_AGE` or a reader's check found it stale.
struct Material {
    week: DigestWeek,
    span: (DateTime<Utc>, DateTime<Utc>),
    current: tokio::sync::Mutex<Option<Arc<digest::WeekMaterial>>>,
}

impl Material {
    fn new(state: &AppState, week: DigestWeek) -> Self {
        Self {
            week,
            span: week.span(state.settings.digest.timezone),
            current: tokio::sync::Mutex::new(None),
        }
    }

    async fn get(&self, db: &DatabaseConnection) -> Result<Arc<digest::WeekMaterial>, sea_orm::DbErr> {
        let mut current = self.current.lock().await;
        if let Some(material) = current.as_ref().filter(|m| m.read_at.elapsed() < MATERIAL_AGE) {
            return Ok(material.clone());
        }
        let material = Arc::new(digest::week_material(db, self.week, self.span).await?);
        *current = Some(material.clone());
        Ok(material)
    }

    /// `seen` no longer matches the database: read it again next time.
    async fn forget(&self, seen: &Arc<digest::WeekMaterial>) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|m| Arc::ptr_eq(m, seen)) {
            *current = None;
        }
    }
}

/// Decide, under what the recipient may read *now* (not when the week was
/// planned): a reader removed from a private channel since sees nothing of
/// it, and a subscriber nothing of a channel no longer offered to them.
async fn decide(state: &AppState, recipient: Recipient, material: &Material) -> anyhow::Result<Decision> {
    let week = material.week;
    let span = material.span;
    match recipient {
        Recipient::Account(id) => {
            let Some(reader) = digest::reader(&state.db, id).await? else {
                return Ok(Decision::Skip(SendStatus::Skipped, "the account is gone"));
            };
            if !reader.active {
                return Ok(Decision::Skip(SendStatus::Skipped, "the account is suspended"));
            }
            if reader.prefs.frequency == Frequency::Never {
                return Ok(Decision::Skip(SendStatus::Skipped, SWITCHED_OFF));
            }
            // Twice from the shared material; if a post in it was removed
            // both times, from the database for this reader alone.
            for _ in 0..2 {
                let shared = material.get(&state.db).await?;
                match digest::contents_from(&state.db, &shared, &reader).await? {
                    Some(contents) => return Ok(to_send(contents)),
                    None => material.forget(&shared).await,
                }
            }
            // One snapshot for everything this reader's digest holds.
            let txn = state.db.begin().await?;
            let contents = digest::contents(&txn, &reader.actor, &reader.prefs, week, span).await;
            txn.commit().await?;
            Ok(to_send(contents?))
        }
        Recipient::Subscriber(id) => {
            let Some(subscription) = digest::subscription(&state.db, id).await? else {
                return Ok(Decision::Skip(SendStatus::Skipped, "the subscription is gone"));
            };
            if !subscription.confirmed {
                return Ok(Decision::Skip(SendStatus::Skipped, "the subscription is not confirmed"));
            }
            if subscription.prefs.frequency == Frequency::Never {
                return Ok(Decision::Skip(SendStatus::Skipped, "switched off"));
            }
            let contents = digest::subscriber_contents(&state.db, &subscription.prefs, week, span).await?;
            Ok(to_send(contents))
        }
    }
}

/// Nothing to say is no email.
fn to_send(contents: DigestContents) -> Decision {
    if contents.is_empty() {
        Decision::Skip(SendStatus::Empty, "nothing this week")
    } else {
        Decision::Send(Box::new(contents))
    }
}

/// The message for one recipient: parts, Message-ID and list headers.
pub fn outgoing(state: &AppState, recipient: Recipient, email: &str, contents: &DigestContents) -> Outgoing {
    let links = links(state, recipient, contents.week);
    let host = state.settings.public_host();
    Outgoing {
        to: email.to_owned(),
        message_id: recipient.message_id(contents.week, &host),
        headers: vec![
            ("List-Id", format!("Commonroom weekly digest <digest.{host}>")),
            ("List-Unsubscribe", format!("<{}>", links.unsubscribe)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()),
            ("Auto-Submitted", "auto-generated".to_owned()),
        ],
        rendered: Rendered {
            subject: compose::subject(contents),
            text: compose::text(contents, &links),
            html: compose::html(contents, &links),
        },
    }
}

/// One line of a dry run: who would get what.
pub struct DryRunLine {
    pub email: String,
    /// The subject, or why nothing would be sent.
    pub outcome: String,
    pub items: usize,
    /// The message as it would be sent, written as an `.eml` file.
    pub file: Option<std::path::PathBuf>,
}

/// What sending `week` now would do, without sending or recording anything:
/// each message that would go is written to `dir` as an `.eml` file.
pub async fn dry_run(
    state: &AppState,
    week: DigestWeek,
    only: Option<&str>,
    dir: &std::path::Path,
) -> anyhow::Result<Vec<DryRunLine>> {
    let only = only.map(|e| e.trim().to_lowercase());
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut lines = Vec::new();
    let material = Material::new(state, week);
    for (recipient, email) in digest_outbox::eligible(&state.db).await? {
        if only.as_ref().is_some_and(|o| *o != email) {
            continue;
        }
        let line = match decide(state, recipient, &material).await? {
            Decision::Skip(_, why) => DryRunLine {
                email,
                outcome: format!("nothing sent: {why}"),
                items: 0,
                file: None,
            },
            Decision::Send(contents) => {
                let outgoing = outgoing(state, recipient, &email, &contents);
                let message = state.mailer.build(&outgoing)?;
                let file = dir.join(format!("{}.eml", email.replace(['/', '\\'], "_")));
                std::fs::write(&file, message.formatted()).with_context(|| format!("writing {}", file.display()))?;
                DryRunLine {
                    email,
                    outcome: outgoing.rendered.subject,
                    items: contents.item_count(),
                    file: Some(file),
                }
            }
        };
        lines.push(line);
    }
    Ok(lines)
}

/// What a send reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// This many rows are waiting to be sent.
    Waiting(u64),
    /// One row is done with, this way (pending: it will be tried again).
    Done(SendStatus),
}

/// Attempts before a temporary failure is given up on.
const MAX_ATTEMPTS: i32 = 8;
/// Rows a courier claims at a time: few, so a killed sender strands few.
const BATCH: usize = 4;

/// Send `week`'s digest: plan it for everyone eligible now (`plan`; a retry
/// of an earlier week only finishes what was planned), then send every
/// pending row; `only` sends to one address alone. Returns how the week stands.
pub async fn send(
    state: &AppState,
    week: DigestWeek,
    plan: bool,
    only: Option<&str>,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> anyhow::Result<WeekSummary> {
    let only = only.map(|e| e.trim().to_lowercase());
    if plan {
        let mut eligible = digest_outbox::eligible(&state.db).await?;
        if let Some(email) = &only {
            eligible.retain(|(_, e)| e == email);
            if eligible.is_empty() {
                anyhow::bail!(
                    "{email} gets no digest: no active account or confirmed subscription has that address, \
                     it was switched off, or the mail server refused it"
                );
            }
        }
        digest_outbox::plan(&state.db, week, &eligible).await?;
    }
    let waiting = digest_outbox::summary(&state.db, week).await?.pending;
    progress(Progress::Waiting(u64::try_from(waiting).unwrap_or(0)));
    let owner = format!("{}:{:016x}", crate::store::jobs::worker_name(), rand::random::<u64>());
    let material = Arc::new(Material::new(state, week));
    let mut couriers = JoinSet::new();
    for _ in 0..state.settings.digest.connections.max(1) {
        let (state, owner, only, progress) = (state.clone(), owner.clone(), only.clone(), progress.clone());
        let material = material.clone();
        couriers.spawn(async move { courier(&state, &material, &owner, only.as_deref(), progress.as_ref()).await });
    }
    while let Some(done) = couriers.join_next().await {
        done.context("a digest courier stopped")??;
    }
    Ok(digest_outbox::summary(&state.db, week).await?)
}

/// One courier: claim a few rows, send each, until none is left.
async fn courier(
    state: &AppState,
    material: &Material,
    owner: &str,
    only: Option<&str>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> anyhow::Result<()> {
    let week = material.week;
    let lease = Duration::seconds(state.settings.digest.lease_secs.max(1));
    let mut courier = state.mailer.courier();
    let mut accepted = None;
    loop {
        let rows = digest_outbox::claim(&state.db, week, owner, BATCH, lease, only).await?;
        if rows.is_empty() {
            record_accepted(state, &mut accepted).await?;
            // Rows another sender holds: wait for it to finish them, or for
            // its lease to run out if it stopped, then take them over.
            match digest_outbox::held_until(&state.db, week, only).await? {
                Some(until) => {
                    let wait = (until - now()).to_std().unwrap_or_default();
                    tokio::time::sleep(
                        wait.clamp(std::time::Duration::from_millis(50), std::time::Duration::from_secs(1)),
                    )
                    .await;
                    continue;
                }
                None => break,
            }
        }
        for row in rows {
            let status = send_one(state, &mut courier, material, &row, &mut accepted).await?;
            progress(Progress::Done(status));
        }
    }
    courier.close().await;
    Ok(())
}

/// A row whose message the mail server accepted (at that time), not yet
/// marked sent: it is marked in the same statement that marks the
/// courier's next row `handing` (one write per message, not two), or on
/// its own before the courier waits or stops. Until then it reads
/// `handing`, as if the sender had stopped just after the server's answer;
/// so a courier still leaves at most one row `handing` at any moment, and
/// never sends it again.
type Accepted = Option<(Claimed, DateTime<Utc>)>;

async fn record_accepted(state: &AppState, accepted: &mut Accepted) -> anyhow::Result<()> {
    if let Some((row, at)) = accepted.take() {
        digest_outbox::sent_at(&state.db, &row, at).await?;
    }
    Ok(())
}

/// Send one claimed row and record how it went (a message accepted by the
/// mail server is left in `accepted`).
async fn send_one(
    state: &AppState,
    courier: &mut crate::email::mailer::Courier<'_>,
    material: &Material,
    row: &Claimed,
    accepted: &mut Accepted,
) -> anyhow::Result<SendStatus> {
    let db = &state.db;
    let week = material.week;
    let Some(recipient) = row.recipient() else {
        digest_outbox::settle(db, row, SendStatus::Failed, "not a recipient this version knows").await?;
        return Ok(SendStatus::Failed);
    };
    let contents = match decide(state, recipient, material).await? {
        Decision::Skip(status, why) => {
            digest_outbox::settle(db, row, status, why).await?;
            return Ok(status);
        }
        Decision::Send(contents) => contents,
    };
    let outgoing = outgoing(state, recipient, &row.email, &contents);
    let message = match state.mailer.build(&outgoing) {
        Ok(message) => message,
        Err(err) => {
            digest_outbox::settle(db, row, SendStatus::Failed, &err.to_string()).await?;
            return Ok(SendStatus::Failed);
        }
    };
    let handing = async {
        let before = accepted.as_ref().map(|(row, at)| (row, *at));
        let held = digest_outbox::handing_after(db, row, &outgoing.message_id, &contents, before).await?;
        *accepted = None;
        Ok(held)
    };
    match courier.deliver(&message, handing).await {
        Ok(()) => {
            *accepted = Some((row.clone(), now()));
            Ok(SendStatus::Sent)
        }
        Err(DeliveryError::Refused {
            code,
            permanent: true,
            message,
        }) => {
            tracing::warn!(to = %row.email, code, %message, "the mail server refused a digest for good");
            digest_outbox::refused(db, row, code, &message, &format!("digest {week}")).await?;
            Ok(SendStatus::Failed)
        }
        Err(DeliveryError::Abandoned) => Ok(SendStatus::Pending),
        Err(DeliveryError::Uncertain(error)) => {
            tracing::warn!(to = %row.email, %error, "a digest may or may not have arrived");
            digest_outbox::unconfirmed(db, row, &error).await?;
            Ok(SendStatus::Handing)
        }
        Err(err @ DeliveryError::Invalid(_)) => {
            digest_outbox::settle(db, row, SendStatus::Failed, &err.to_string()).await?;
            Ok(SendStatus::Failed)
        }
        Err(err) => {
            let error = err.to_string();
            if row.attempts >= MAX_ATTEMPTS {
                let why = format!("gave up after {} attempts: {error}", row.attempts);
                digest_outbox::settle(db, row, SendStatus::Failed, &why).await?;
                return Ok(SendStatus::Failed);
            }
            // 1, 2, 4… minutes, at most six hours.
            let pause = Duration::minutes(1i64 << (row.attempts - 1).clamp(0, 9)).min(Duration::hours(6));
            tracing::info!(to = %row.email, %error, retry_in = %pause, "a digest will be tried again");
            digest_outbox::retry(db, row, &error, now() + pause).await?;
            Ok(SendStatus::Pending)
        }
    }
}
