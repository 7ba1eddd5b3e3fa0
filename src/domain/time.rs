//! The one clock. Times are kept to the microsecond so that a value read back
//! from either database compares equal to the value written (keyset cursors
//! depend on that).

use chrono::{DateTime, SubsecRound, Utc};

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

/// A moment as people read it ("3 h ago", "12 Jun") and as machines do (ISO 8601).
#[derive(Debug, Clone)]
pub struct When {
    pub iso: String,
    pub human: String,
    /// The full date and time, for a tooltip or screen readers.
    pub full: String,
}

impl When {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self::relative_to(at, Utc::now())
    }

    pub fn relative_to(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let secs = (now - at).num_seconds();
        let human = if secs < -7 * 86_400 {
            format!("on {}", at.format("%-d %b %Y"))
        } else if secs <= -86_400 {
            format!("in {} days", (-secs + 43_200) / 86_400)
        } else if secs <= -3600 {
            format!("in {} h", (-secs + 1800) / 3600)
        } else if secs <= -60 {
            format!("in {} min", (-secs + 30) / 60)
        } else if secs < 0 {
            "in under a minute".to_owned()
        } else if secs < 60 {
            "just now".to_owned()
        } else if secs < 3600 {
            format!("{} min ago", secs / 60)
        } else if secs < 86_400 {
            format!("{} h ago", secs / 3600)
        } else if secs < 7 * 86_400 {
            let days = secs / 86_400;
            if days == 1 {
                "yesterday".to_owned()
            } else {
                format!("{days} days ago")
            }
        } else if at.format("%Y").to_string() == now.format("%Y").to_string() {
            at.format("%-d %b").to_string()
        } else {
            at.format("%-d %b %Y").to_string()
        };
        Self {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            human,
            full: at.format("%-d %B %Y at %H:%M UTC").to_string(),
        }
    }
}

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
        let ago = |secs| When::relative_to(now - chrono::Duration::seconds(secs), now).human;
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(5 * 60), "5 min ago");
        assert_eq!(ago(3 * 3600), "3 h ago");
        assert_eq!(ago(86_400 + 10), "yesterday");
        assert_eq!(ago(3 * 86_400), "3 days ago");
        assert_eq!(ago(20 * 86_400), "23 May");
        assert_eq!(ago(400 * 86_400), "8 May 2025");
    }

    #[test]
    fn future_times_read_as_coming() {
        let now = Utc.with_ymd_and_hms(2026, 6, 12, 12, 0, 0).unwrap();
        let until = |secs| When::relative_to(now + chrono::Duration::seconds(secs), now).human;
        assert_eq!(until(10), "in under a minute");
        assert_eq!(until(59 * 60), "in 59 min");
        assert_eq!(until(5 * 3600), "in 5 h");
        assert_eq!(until(2 * 86_400), "in 2 days");
        assert_eq!(until(30 * 86_400), "on 12 Jul 2026");
    }
}
