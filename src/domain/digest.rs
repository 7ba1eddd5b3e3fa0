//! The weekly digest's calendar: which week a digest reports on
//! (`DigestWeek`, an ISO week such as `2026-W47`, Monday to Sunday in the
//! organisation's time zone) and when it is due (`DigestSchedule`: a cron
//! pattern such as Monday 08:00, read in that zone so daylight saving moves
//! nothing, plus a grace period for a server that was down at the time).
//!
//! A digest sent on Monday reports on the week that ended the night before:
//! the one sent on Monday 23 November 2026 is `2026-W47`, Monday 16 to
//! Sunday 22 November.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use croner::Cron;

/// An ISO 8601 week: Monday to Sunday, numbered within its ISO year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DigestWeek {
    monday: NaiveDate,
}

impl DigestWeek {
    /// The week a day falls in.
    pub fn containing(day: NaiveDate) -> Self {
        let back = day.weekday().num_days_from_monday();
        Self {
            monday: day - Duration::days(i64::from(back)),
        }
    }

    /// The week before this one.
    pub fn previous(self) -> Self {
        Self {
            monday: self.monday - Duration::days(7),
        }
    }

    /// The week after this one.
    pub fn next(self) -> Self {
        Self {
            monday: self.monday + Duration::days(7),
        }
    }

    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday + Duration::days(6)
    }

    fn iso(self) -> IsoWeek {
        self.monday.iso_week()
    }

    /// When the week starts and ends (Monday 00:00 to the next Monday 00:00)
    /// in `tz`, as instants; a week with a clock change is an hour shorter or
    /// longer than seven days.
    pub fn span(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |day: NaiveDate| {
            let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            // Midnight exists in every zone Commonroom is likely to use; where
            // a change falls at midnight, the earliest valid instant counts.
            tz.from_local_datetime(&midnight)
                .earliest()
                .unwrap_or_else(|| tz.from_utc_datetime(&midnight))
                .with_timezone(&Utc)
        };
        (start(self.monday), start(self.monday + Duration::days(7)))
    }

    /// "Monday 16 November to Sunday 22 November 2026", for people.
    pub fn describe(self) -> String {
        let (from, to) = (self.monday, self.sunday());
        if from.year() == to.year() {
            format!("{} to {}", from.format("%A %-d %B"), to.format("%A %-d %B %Y"))
        } else {
            format!("{} to {}", from.format("%A %-d %B %Y"), to.format("%A %-d %B %Y"))
        }
    }
}

impl fmt::Display for DigestWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let iso = self.iso();
        write!(f, "{}-W{:02}", iso.year(), iso.week())
    }
}

impl FromStr for DigestWeek {
    type Err = String;

    /// `2026-W47` (or `2026-w47`); week 53 only in years that have one.
    fn from_str(raw: &str) -> Result<Self, String> {
        let wrong = || format!("“{raw}” is not a week: write it as YEAR-Wnn, for example 2026-W47.");
        let (year, week) = raw.trim().split_once(['W', 'w']).ok_or_else(wrong)?;
        let year: i32 = year.strip_suffix('-').unwrap_or(year).parse().map_err(|_| wrong())?;
        let week: u32 = week.parse().map_err(|_| wrong())?;
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| format!("{year} has no week {week}."))?;
        Ok(Self { monday })
    }
}

impl serde::Serialize for DigestWeek {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DigestWeek {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// The times digests go out, as five cron fields (minute hour day-of-month
/// month day-of-week), e.g. `0 8 * * MON`; read in a time zone by
/// [`DigestSchedule`].
#[derive(Debug, Clone)]
pub struct SendTimes {
    cron: Cron,
    /// As written, for people (croner would say `1` for `MON`).
    written: String,
}

impl FromStr for SendTimes {
    type Err = String;

    fn from_str(pattern: &str) -> Result<Self, String> {
        let written = pattern.trim().to_owned();
        Cron::from_str(&written).map(|cron| SendTimes { cron, written }).map_err(|e| {
            format!(
                "“{pattern}” is not a schedule ({e}); write five cron fields, for example 0 8 * * MON for Monday 08:00"
            )
        })
    }
}

impl fmt::Display for SendTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// When digests go out: the send times read in the organisation's time
/// zone, and how late a missed send may still go.
#[derive(Debug, Clone)]
pub struct DigestSchedule {
    times: SendTimes,
    tz: Tz,
    grace: Duration,
}

/// A send that should happen now: which week, and when it was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub week: DigestWeek,
    pub at: DateTime<Utc>,
}

impl DigestSchedule {
    pub fn new(times: SendTimes, tz: Tz, grace: Duration) -> Self {
        Self { times, tz, grace }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The next send strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.times
            .cron
            .find_next_occurrence(&after.with_timezone(&self.tz), false)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }

    /// The latest send at or before `now`, if it is still within the grace
    /// period: a server that was down at 08:00 sends when it is back, once
    /// (the outbox keeps one row per person and week), and a server down
    /// for longer than the grace skips that week rather than sending stale
    /// news.
    pub fn due(&self, now: DateTime<Utc>) -> Option<Due> {
        let at = self
            .times
            .cron
            .find_previous_occurrence(&now.with_timezone(&self.tz), true)
            .ok()?;
        if now - at.with_timezone(&Utc) > self.grace {
            return None;
        }
        Some(Due {
            week: self.reports_on(at.with_timezone(&Utc)),
            at: at.with_timezone(&Utc),
        })
    }

    /// The week a send at `at` reports on: the last whole week before it,
    /// in the schedule's zone.
    pub fn reports_on(&self, at: DateTime<Utc>) -> DigestWeek {
        DigestWeek::containing(at.with_timezone(&self.tz).date_naive()).previous()
    }
}

/// How often someone gets the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frequency {
    #[default]
    Weekly,
    Never,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Never => "never",
        }
    }

    /// As stored or sent by a form; anything unknown is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "weekly" => Some(Frequency::Weekly),
            "never" => Some(Frequency::Never),
            _ => None,
        }
    }
}

/// Which channels a digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelChoice {
    /// Whatever the reader follows when it is sent.
    #[default]
    Followed,
    /// Only the channels picked (and still readable when it is sent).
    Picked,
}

impl ChannelChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelChoice::Followed => "followed",
            ChannelChoice::Picked => "picked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "followed" => Some(ChannelChoice::Followed),
            "picked" => Some(ChannelChoice::Picked),
            _ => None,
        }
    }
}

/// What someone wants in their digest; account holders start with the
/// default (weekly, the channels they follow).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestPreferences {
    pub frequency: Frequency,
    pub choice: ChannelChoice,
    /// The picked channels (kept when the choice is "followed", so switching
    /// back restores them).
    pub channels: Vec<i64>,
}

/// A post in a digest, with what made it matter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestPost {
    pub post_id: i64,
    pub channel_slug: String,
    pub title: String,
    /// The link a link post shares.
    pub url: Option<String>,
    /// The curator's note, or the start of a discussion, as plain text.
    pub excerpt: String,
    pub replies: i64,
    pub reactions: i64,
}

/// The week's posts from one channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChannelSection {
    pub slug: String,
    pub name: String,
    pub posts: Vec<DigestPost>,
}

/// A thread the reader took part in that others replied to this week.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThreadNews {
    pub post_id: i64,
    pub title: String,
    pub new_replies: i64,
}

/// Someone mentioned the reader.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mention {
    pub post_id: i64,
    pub reply_id: Option<i64>,
    pub title: String,
    pub by: String,
}

/// A channel opened this week that the reader can read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewChannel {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// Everything one reader's digest for one week holds, chosen under what
/// they may read when it is put together.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestContents {
    pub week: DigestWeek,
    /// The editor's note for the week, as plain text.
    pub note: Option<String>,
    /// The posts curators featured for the week.
    pub picks: Vec<DigestPost>,
    pub sections: Vec<ChannelSection>,
    pub threads: Vec<ThreadNews>,
    pub mentions: Vec<Mention>,
    pub new_channels: Vec<NewChannel>,
}

impl DigestContents {
    /// How many things it links to.
    pub fn item_count(&self) -> usize {
        self.picks.len()
            + self.sections.iter().map(|s| s.posts.len()).sum::<usize>()
            + self.threads.len()
            + self.mentions.len()
            + self.new_channels.len()
    }

    /// Nothing for this reader: no email is sent.
    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
            && self.sections.is_empty()
            && self.threads.is_empty()
            && self.mentions.is_empty()
            && self.new_channels.is_empty()
    }
}

/// Who a digest goes to: an account holder, or an email-only subscriber
/// (a partner or councillor without an account). Stored in the outbox as
/// `user:<id>` or `subscriber:<id>`; one row per recipient and week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    Account(i64),
    Subscriber(i64),
}

impl Recipient {
    /// As stored in the outbox.
    pub fn key(self) -> String {
        match self {
            Recipient::Account(id) => format!("user:{id}"),
            Recipient::Subscriber(id) => format!("subscriber:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "user" => Some(Recipient::Account(id)),
            "subscriber" => Some(Recipient::Subscriber(id)),
            _ => None,
        }
    }

    /// Nine bytes for a signed token: the kind, then the id.
    pub fn to_bytes(self) -> [u8; 9] {
        let (kind, id) = match self {
            Recipient::Account(id) => (0u8, id),
            Recipient::Subscriber(id) => (1u8, id),
        };
        let mut out = [0u8; 9];
        out[0] = kind;
        out[1..].copy_from_slice(&id.to_be_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&kind, id) = bytes.split_first()?;
        let id = i64::from_be_bytes(id.try_into().ok()?);
        match kind {
            0 => Some(Recipient::Account(id)),
            1 => Some(Recipient::Subscriber(id)),
            _ => None,
        }
    }

    /// The Message-ID of this recipient's digest for `week`: the same every
    /// time it is built, so a receiving system that sees it twice can tell.
    pub fn message_id(self, week: DigestWeek, domain: &str) -> String {
        let who = match self {
            Recipient::Account(id) => format!("u{id}"),
            Recipient::Subscriber(id) => format!("s{id}"),
        };
        format!("<digest.{}.{who}@{domain}>", week.to_string().to_lowercase())
    }
}

/// What a subscription's confirmation link carries: whose subscription,
/// and until when the link works (it is signed, so neither can be changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmationLink {
    pub subscriber_id: i64,
    /// To the second.
    pub expires_at: DateTime<Utc>,
}

impl ConfirmationLink {
    /// Sixteen bytes for a signed token: the id, then the expiry in seconds.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.subscriber_id.to_be_bytes());
        out[8..].copy_from_slice(&self.expires_at.timestamp().to_be_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 16 {
            return None;
        }
        let (id, expiry) = bytes.split_at(8);
        Some(Self {
            subscriber_id: i64::from_be_bytes(id.try_into().ok()?),
            expires_at: DateTime::from_timestamp(i64::from_be_bytes(expiry.try_into().ok()?), 0)?,
        })
    }

    /// Whether the link no longer works at `now` (a link that expires now has).
    pub fn expired(self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

/// Where one recipient's digest for one week stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Waiting to be sent (or to be tried again after a temporary failure).
    Pending,
    /// The mail server said to go ahead and the message was being handed
    /// over. If the sender stopped here, it is unconfirmed: never sent again
    /// by itself, since it may have arrived.
    Handing,
    /// The mail server accepted it.
    Sent,
    /// Nothing to send this reader this week.
    Empty,
    /// Not sent: switched off, suspended, or the address is refused.
    Skipped,
    /// The mail server refused the address for good.
    Failed,
}

impl SendStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Pending => "pending",
            SendStatus::Handing => "handing",
            SendStatus::Sent => "sent",
            SendStatus::Empty => "empty",
            SendStatus::Skipped => "skipped",
            SendStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            SendStatus::Pending,
            SendStatus::Handing,
            SendStatus::Sent,
            SendStatus::Empty,
            SendStatus::Skipped,
            SendStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// Why a recipient's digest was not sent because they switched it off (an
/// outbox row's reason, which the archive page reads back).
pub const SWITCHED_OFF: &str = "switched off";

/// Why there is no digest to show for a reader and week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoDigest {
    /// The week's digest is not due yet.
    NotYet,
    /// It is waiting to go (or to be tried again).
    Sending,
    /// There was nothing for them that week.
    Empty,
    /// They had switched the digest off.
    SwitchedOff,
    /// It was not sent, for this reason.
    NotSent(String),
    /// No digest was planned for them that week: none went out, or they
    /// did not get it then (no account yet, switched off, refused address).
    NeverPlanned,
}

impl NoDigest {
    /// What an outbox row that ended in `status` (with its recorded reason)
    /// leaves to say, when it holds no digest to show.
    pub fn from_outcome(status: SendStatus, why: Option<&str>) -> Self {
        match status {
            SendStatus::Pending | SendStatus::Handing => NoDigest::Sending,
            SendStatus::Empty => NoDigest::Empty,
            SendStatus::Skipped if why == Some(SWITCHED_OFF) => NoDigest::SwitchedOff,
            SendStatus::Skipped => NoDigest::NotSent(why.unwrap_or("it was skipped").to_owned()),
            SendStatus::Failed => NoDigest::NotSent("the mail server did not accept it for this address".to_owned()),
            // Sent, but what it held cannot be read back.
            SendStatus::Sent => NoDigest::NotSent("what it held was not kept".to_owned()),
        }
    }
}

/// One reader's digest for one week, as its archive page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveEntry {
    /// What was sent. `confirmed` is false when the sender stopped while
    /// handing it to the mail server (it may have arrived); `at` is when it
    /// was accepted, or handed over.
    Sent {
        contents: DigestContents,
        at: Option<DateTime<Utc>>,
        confirmed: bool,
    },
    /// The coming digest as it stands now, not sent yet.
    Coming {
        contents: DigestContents,
        switched_off: bool,
    },
    /// Nothing to show, and why.
    None(NoDigest),
}

/// One week in a reader's list of digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveOutline {
    /// Sent (or handed to the mail server) at this time.
    Sent(Option<DateTime<Utc>>),
    /// The coming digest, not sent yet.
    Coming,
    None(NoDigest),
}

/// Of the things a digest links to, those a reader may still read now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StillReadable {
    pub posts: std::collections::HashSet<i64>,
    pub channels: std::collections::HashSet<String>,
}

impl DigestContents {
    /// Every post it links to (picks, channel posts, threads, mentions).
    pub fn post_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .picks
            .iter()
            .chain(self.sections.iter().flat_map(|s| &s.posts))
            .map(|p| p.post_id)
            .chain(self.threads.iter().map(|t| t.post_id))
            .chain(self.mentions.iter().map(|m| m.post_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Only what the reader may still read: a digest kept from an earlier
    /// week shows nothing from a channel they have since left.
    pub fn keep_readable(mut self, readable: &StillReadable) -> Self {
        let post_ok = |id: &i64| readable.posts.contains(id);
        self.picks.retain(|p| post_ok(&p.post_id));
        for section in &mut self.sections {
            section.posts.retain(|p| post_ok(&p.post_id));
        }
        self.sections.retain(|s| !s.posts.is_empty());
        self.threads.retain(|t| post_ok(&t.post_id));
        self.mentions.retain(|m| post_ok(&m.post_id));
        self.new_channels.retain(|c| readable.channels.contains(&c.slug));
        self
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::London;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn monday_eight() -> DigestSchedule {
        DigestSchedule::new("0 8 * * MON".parse().unwrap(), London, Duration::hours(24))
    }

    #[test]
    fn a_confirmation_link_reads_back_and_expires_on_the_second() {
        let link = ConfirmationLink {
            subscriber_id: 42,
            expires_at: utc(2026, 12, 8, 9, 30),
        };
        assert_eq!(ConfirmationLink::from_bytes(&link.to_bytes()), Some(link));
        assert_eq!(ConfirmationLink::from_bytes(&link.to_bytes()[..15]), None);
        assert!(!link.expired(utc(2026, 12, 8, 9, 29)));
        assert!(link.expired(utc(2026, 12, 8, 9, 30)));
    }

    #[test]
    fn weeks_are_iso_weeks_both_ways() {
        let w: DigestWeek = "2026-W47".parse().unwrap();
        assert_eq!(w.monday(), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!(w.sunday(), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        assert_eq!(w.to_string(), "2026-W47");
        assert_eq!(w.describe(), "Monday 16 November to Sunday 22 November 2026");
        assert_eq!("2026w47".parse::<DigestWeek>().unwrap(), w);
        // ISO years differ from calendar years at the edges.
        let first = DigestWeek::containing(NaiveDate::from_ymd_opt(2025, 12, 29).unwrap());
        assert_eq!(first.to_string(), "2026-W01");
        assert_eq!(first.describe(), "Monday 29 December 2025 to Sunday 4 January 2026");
        assert_eq!("2025-W53".parse::<DigestWeek>().unwrap_err(), "2025 has no week 53.");
        // 2026 starts on a Thursday, so it has a week 53 (28 Dec to 3 Jan 2027).
        let last: DigestWeek = "2026-W53".parse().unwrap();
        assert_eq!(last.describe(), "Monday 28 December 2026 to Sunday 3 January 2027");
        assert_eq!(
            DigestWeek::containing(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap()),
            last
        );
        assert!("47".parse::<DigestWeek>().is_err());
        assert!("2026-W0".parse::<DigestWeek>().is_err());
    }

    #[test]
    fn a_week_with_a_clock_change_is_an_hour_short_or_long() {
        // Clocks go forward on Sunday 29 March 2026, back on Sunday 25 October.
        let spring: DigestWeek = "2026-W13".parse().unwrap();
        let (from, to) = spring.span(London);
        assert_eq!(from, utc(2026, 3, 23, 0, 0), "GMT before the change");
        assert_eq!(to, utc(2026, 3, 29, 23, 0), "Monday midnight in BST");
        assert_eq!(to - from, Duration::hours(7 * 24 - 1));
        let autumn: DigestWeek = "2026-W43".parse().unwrap();
        let (from, to) = autumn.span(London);
        assert_eq!(to - from, Duration::hours(7 * 24 + 1));
    }

    #[test]
    fn eight_on_monday_is_eight_in_london_whatever_the_season() {
        let s = monday_eight();
        // Winter (GMT): 08:00 UTC. Summer (BST): 07:00 UTC.
        assert_eq!(s.next_after(utc(2026, 11, 20, 12, 0)), Some(utc(2026, 11, 23, 8, 0)));
        assert_eq!(s.next_after(utc(2026, 6, 3, 12, 0)), Some(utc(2026, 6, 8, 7, 0)));
        // Across the spring change: the Monday after is in BST.
        assert_eq!(s.next_after(utc(2026, 3, 27, 12, 0)), Some(utc(2026, 3, 30, 7, 0)));
        // Across the autumn change: back to GMT.
        assert_eq!(s.next_after(utc(2026, 10, 24, 12, 0)), Some(utc(2026, 10, 26, 8, 0)));
    }

    #[test]
    fn a_send_is_due_from_its_time_until_the_grace_runs_out() {
        let s = monday_eight();
        let w47: DigestWeek = "2026-W47".parse().unwrap();
        assert_eq!(s.due(utc(2026, 11, 23, 7, 59)), None, "not yet (GMT)");
        let due = s.due(utc(2026, 11, 23, 8, 0)).expect("due at 08:00");
        assert_eq!(
            due,
            Due {
                week: w47,
                at: utc(2026, 11, 23, 8, 0)
            }
        );
        // A server down at 08:00 that is back by Tuesday morning still sends it.
        assert_eq!(s.due(utc(2026, 11, 24, 7, 59)).map(|d| d.week), Some(w47));
        // Later than the grace: skipped, not sent stale.
        assert_eq!(s.due(utc(2026, 11, 24, 8, 1)), None);
        // In summer the same Monday 08:00 is 07:00 UTC.
        assert!(s.due(utc(2026, 6, 8, 7, 0)).is_some());
        assert!(s.due(utc(2026, 6, 8, 6, 59)).is_none());
    }

    #[test]
    fn a_kept_digest_shows_only_what_is_still_readable() {
        let post = |id: i64, slug: &str| DigestPost {
            post_id: id,
            channel_slug: slug.into(),
            title: format!("post {id}"),
            url: None,
            excerpt: String::new(),
            replies: 0,
            reactions: 0,
        };
        let contents = DigestContents {
            week: "2026-W47".parse().unwrap(),
            note: Some("Hello".into()),
            picks: vec![post(1, "comms"), post(2, "wg")],
            sections: vec![
                ChannelSection {
                    slug: "comms".into(),
                    name: "Comms".into(),
                    posts: vec![post(3, "comms")],
                },
                ChannelSection {
                    slug: "wg".into(),
                    name: "Working group".into(),
                    posts: vec![post(4, "wg")],
                },
            ],
            threads: vec![ThreadNews {
                post_id: 4,
                title: "post 4".into(),
                new_replies: 2,
            }],
            mentions: vec![Mention {
                post_id: 3,
                reply_id: Some(9),
                title: "post 3".into(),
                by: "Ada".into(),
            }],
            new_channels: vec![NewChannel {
                slug: "wg".into(),
                name: "Working group".into(),
                description: String::new(),
            }],
        };
        assert_eq!(contents.post_ids(), vec![1, 2, 3, 4]);
        let readable = StillReadable {
            posts: [1, 3].into_iter().collect(),
            channels: ["comms".to_owned()].into_iter().collect(),
        };
        let kept = contents.keep_readable(&readable);
        assert_eq!(kept.picks.iter().map(|p| p.post_id).collect::<Vec<_>>(), vec![1]);
        assert_eq!(kept.sections.len(), 1, "a section left empty goes");
        assert_eq!(kept.sections[0].slug, "comms");
        assert!(kept.threads.is_empty());
        assert_eq!(kept.mentions.len(), 1);
        assert!(kept.new_channels.is_empty());
        assert_eq!(kept.note.as_deref(), Some("Hello"));
    }

    #[test]
    fn a_row_that_sent_nothing_says_why() {
        assert_eq!(
            NoDigest::from_outcome(SendStatus::Skipped, Some(SWITCHED_OFF)),
            NoDigest::SwitchedOff
        );
        assert_eq!(NoDigest::from_outcome(SendStatus::Empty, None), NoDigest::Empty);
        assert_eq!(
            NoDigest::from_outcome(SendStatus::Skipped, Some("the account is suspended")),
            NoDigest::NotSent("the account is suspended".into())
        );
        assert_eq!(NoDigest::from_outcome(SendStatus::Pending, None), NoDigest::Sending);
        let w: DigestWeek = "2026-W53".parse().unwrap();
        assert_eq!(w.next().to_string(), "2027-W01");
        assert_eq!(w.next().previous(), w);
    }

    #[test]
    fn a_bad_pattern_says_how_to_write_one() {
        let err = "every monday".parse::<SendTimes>().unwrap_err();
        assert!(err.contains("0 8 * * MON for Monday 08:00"), "{err}");
        assert_eq!("0 8 * * MON".parse::<SendTimes>().unwrap().to_string(), "0 8 * * MON");
    }
}
