//! The one clock. Times are kept to the microsecond so that a value read back
//! from either database compares equal to the value written (keyset cursors
//! depend on that).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, SubsecRound, Timelike, Utc};

use super::text::WriteTo;

/// A date and time as typed into a `datetime-local` field, read in `tz`.
pub fn local_datetime(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, &'static str> {
    use chrono::{NaiveDateTime, TimeZone};
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .map_err(|_| "Enter the date and time like 2026-06-12 09:00.")?;
    Ok(tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or("That time does not exist on that day (the clocks change). Choose another.")?
        .with_timezone(&Utc))
}

/// The moment a day typed as `2026-06-12` ends in `tz` (the start of the
/// next day there), for "until the end of this day".
pub fn end_of_local_day(raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, &'static str> {
    use chrono::{NaiveDate, TimeZone};
    let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| "Enter the date like 2026-06-12.")?;
    let next = day.succ_opt().ok_or("Choose an earlier date.")?;
    tz.from_local_datetime(&next.and_hms_opt(0, 0, 0).ok_or("Choose another date.")?)
        .earliest()
        // Midnight skipped by a clock change: the day ends an hour later.
        .or_else(|| tz.from_local_datetime(&next.and_hms_opt(1, 0, 0)?).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or("Choose another date.")
}

/// The day that ends at `end` in `tz`, as people read it ("12 June 2026"):
/// the inverse of [`end_of_local_day`].
pub fn last_local_day(end: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    (end.with_timezone(&tz) - chrono::Duration::seconds(1))
        .format("%-d %B %Y")
        .to_string()
}

/// The `datetime-local` value for a moment, in `tz`.
pub fn local_input(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn from_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// A moment as people read it ("3 h ago", "12 Jun") and as machines do
/// (ISO 8601), against the moment it is read. Nothing is written out until
/// a page shows it, and then straight into the page: a timeline shows some
/// forty of these, and formatting each into strings of its own was a fifth
/// of the work of serving a kept page.
#[derive(Debug, Clone, Copy)]
pub struct When {
    at: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl When {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self::relative_to(at, Utc::now())
    }

    pub fn relative_to(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self { at, now }
    }

    /// For machines: `2026-06-12T09:30:00Z`.
    pub fn iso(&self) -> Iso {
        Iso(self.at)
    }

    /// For people, against now: "just now", "3 h ago", "in 2 days", "12 Jun".
    pub fn human(&self) -> Human {
        Human(*self)
    }

    /// The full date and time, for a tooltip or screen readers:
    /// "12 June 2026 at 09:30 UTC".
    pub fn full(&self) -> Full {
        Full(self.at)
    }
}

/// [`When::iso`] as it is written out.
#[derive(Debug, Clone, Copy)]
pub struct Iso(DateTime<Utc>);

/// [`When::human`] as it is written out.
#[derive(Debug, Clone, Copy)]
pub struct Human(When);

/// [`When::full`] as it is written out.
#[derive(Debug, Clone, Copy)]
pub struct Full(DateTime<Utc>);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "00" to "99", for writing two digits without formatting them.
const PAIRS: &str = "0001020304050607080910111213141516171819\
                     2021222324252627282930313233343536373839\
                     4041424344454647484950515253545556575859\
                     6061626364656667686970717273747576777879\
                     8081828384858687888990919293949596979899";

/// `n` below 100 as two digits, or as one when `pad` is off and it has one.
fn pair<W: fmt::Write + ?Sized>(f: &mut W, n: u32, pad: bool) -> fmt::Result {
    let at = 2 * (n as usize % 100);
    let from = if !pad && n < 10 { at + 1 } else { at };
    f.write_str(&PAIRS[from..at + 2])
}

/// The year, four digits in the common era (chrono's `%Y`).
fn year<W: fmt::Write + ?Sized>(f: &mut W, at: &NaiveDateTime) -> fmt::Result {
    match u32::try_from(at.year()) {
        Ok(y) if y <= 9999 => {
            pair(f, y / 100, true)?;
            pair(f, y % 100, true)
        }
        _ => write!(f, "{:+05}", at.year()),
    }
}

/// "12 Jun", and "12 Jun 2025" with the year.
fn day_month<W: fmt::Write + ?Sized>(f: &mut W, at: &NaiveDateTime, with_year: bool) -> fmt::Result {
    pair(f, at.day(), false)?;
    f.write_str(" ")?;
    f.write_str(&MONTHS[at.month0() as usize][..3])?;
    if with_year {
        f.write_str(" ")?;
        year(f, at)?;
    }
    Ok(())
}

/// A count and its unit: "5 min", "3 h".
fn count<W: fmt::Write + ?Sized>(f: &mut W, n: i64, unit: &str) -> fmt::Result {
    match u32::try_from(n) {
        Ok(n) if n < 100 => pair(f, n, false)?,
        _ => write!(f, "{n}")?,
    }
    f.write_str(unit)
}

impl WriteTo for Iso {
    fn write_to<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        let at = &self.0.naive_utc();
        year(f, at)?;
        f.write_str("-")?;
        pair(f, at.month(), true)?;
        f.write_str("-")?;
        pair(f, at.day(), true)?;
        f.write_str("T")?;
        pair(f, at.hour(), true)?;
        f.write_str(":")?;
        pair(f, at.minute(), true)?;
        f.write_str(":")?;
        // A leap second reads as 60, as chrono writes it.
        pair(f, at.second() + at.nanosecond() / 1_000_000_000, true)?;
        f.write_str("Z")
    }
}

impl WriteTo for Full {
    fn write_to<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        let at = &self.0.naive_utc();
        pair(f, at.day(), false)?;
        f.write_str(" ")?;
        f.write_str(MONTHS[at.month0() as usize])?;
        f.write_str(" ")?;
        year(f, at)?;
        f.write_str(" at ")?;
        pair(f, at.hour(), true)?;
        f.write_str(":")?;
        pair(f, at.minute(), true)?;
        f.write_str(" UTC")
    }
}

impl WriteTo for Human {
    fn write_to<W: fmt::Write + ?Sized>(&self, f: &mut W) -> fmt::Result {
        let When { at, now } = &self.0;
        let secs = (*now - *at).num_seconds();
        if secs < -7 * 86_400 {
            f.write_str("on ")?;
            day_month(f, &at.naive_utc(), true)
        } else if secs <= -86_400 {
            f.write_str("in ")?;
            count(f, (-secs + 43_200) / 86_400, " days")
        } else if secs <= -3600 {
            f.write_str("in ")?;
            count(f, (-secs + 1800) / 3600, " h")
        } else if secs <= -60 {
            f.write_str("in ")?;
            count(f, (-secs + 30) / 60, " min")
        } else if secs < 0 {
            f.write_str("in under a minute")
        } else if secs < 60 {
            f.write_str("just now")
        } else if secs < 3600 {
            count(f, secs / 60, " min ago")
        } else if secs < 86_400 {
            count(f, secs / 3600, " h ago")
        } else if secs < 7 * 86_400 {
            match secs / 86_400 {
                1 => f.write_str("yesterday"),
                days => count(f, days, " days ago"),
            }
        } else {
            let (at, now) = (at.naive_utc(), now.naive_utc());
            day_month(f, &at, at.year() != now.year())
        }
    }
}

super::text::displayed_as_written!(Iso, Full, Human);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_last_day_ends_at_local_midnight_and_reads_back() {
        let london = chrono_tz::Europe::London;
        // Summer time: the day ends at 23:00 UTC.
        let end = end_of_local_day("2026-06-12", london).unwrap();
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 6, 12, 23, 0, 0).unwrap());
        assert_eq!(last_local_day(end, london), "12 June 2026");
        // Winter: midnight is midnight UTC.
        let end = end_of_local_day("2026-12-24", london).unwrap();
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 12, 25, 0, 0, 0).unwrap());
        assert_eq!(last_local_day(end, london), "24 December 2026");
        assert!(end_of_local_day("24/12/2026", london).is_err());
        assert!(end_of_local_day("", london).is_err());
    }

    #[test]
    fn reads_like_a_person_would_say_it() {
        let now = Utc.with_ymd_and_hms(2026, 6, 12, 12, 0, 0).unwrap();
        let ago = |secs| {
            When::relative_to(now - chrono::Duration::seconds(secs), now)
                .human()
                .to_string()
        };
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(5 * 60), "5 min ago");
        assert_eq!(ago(3 * 3600), "3 h ago");
        assert_eq!(ago(86_400 + 10), "yesterday");
        assert_eq!(ago(3 * 86_400), "3 days ago");
        assert_eq!(ago(20 * 86_400), "23 May");
        assert_eq!(ago(400 * 86_400), "8 May 2025");
    }

    /// What `When` wrote before it wrote its own digits: chrono's formats.
    fn as_chrono_wrote_it(at: DateTime<Utc>, now: DateTime<Utc>) -> (String, String, String) {
        let secs = (now - at).num_seconds();
        let human = if (-7 * 86_400..7 * 86_400).contains(&secs) {
            When::relative_to(at, now).human().to_string()
        } else if secs < 0 {
            format!("on {}", at.format("%-d %b %Y"))
        } else if at.format("%Y").to_string() == now.format("%Y").to_string() {
            at.format("%-d %b").to_string()
        } else {
            at.format("%-d %b %Y").to_string()
        };
        (
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            human,
            at.format("%-d %B %Y at %H:%M UTC").to_string(),
        )
    }

    proptest::proptest! {
        #[test]
        fn writes_what_chrono_wrote(at in 0i64..253_402_300_799, ago in -40_000_000i64..40_000_000) {
            let at = DateTime::from_timestamp(at, 0).unwrap();
            let now = at + chrono::Duration::seconds(ago);
            let when = When::relative_to(at, now);
            let (iso, human, full) = as_chrono_wrote_it(at, now);
            proptest::prop_assert_eq!(when.iso().to_string(), iso);
            proptest::prop_assert_eq!(when.human().to_string(), human);
            proptest::prop_assert_eq!(when.full().to_string(), full);
        }
    }

    #[test]
    fn future_times_read_as_coming() {
        let now = Utc.with_ymd_and_hms(2026, 6, 12, 12, 0, 0).unwrap();
        let until = |secs| {
            When::relative_to(now + chrono::Duration::seconds(secs), now)
                .human()
                .to_string()
        };
        assert_eq!(until(10), "in under a minute");
        assert_eq!(until(59 * 60), "in 59 min");
        assert_eq!(until(5 * 3600), "in 5 h");
        assert_eq!(until(2 * 86_400), "in 2 days");
        assert_eq!(until(30 * 86_400), "on 12 Jul 2026");
    }
}
