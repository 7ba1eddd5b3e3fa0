//! Feeds without IO: what a parsed feed and its items are, which items a
//! feed's keyword rules let through, how often a feed is polled, and how long
//! to wait after failures.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A feed as its bytes said, before anything is stored.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: String,
    pub site_url: Option<String>,
    pub items: Vec<ParsedItem>,
}

/// One item of a parsed feed: plain-text title, sanitised summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedItem {
    /// The feed's own id for the item, or its link when it has none.
    pub guid: String,
    /// The item's link, absolute.
    pub url: Option<String>,
    /// The link without tracking or fragment (`rel=canonical` where the feed gives one).
    pub canonical_url: Option<String>,
    pub title: String,
    pub author: String,
    pub summary_html: String,
    /// The summary as plain text, for keyword rules.
    pub summary_text: String,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

/// How a curated post credits the feed it was found in ("via Town Hall
/// News"), as the feed was when the link was shared: the post keeps it
/// after the feed is renamed or no longer followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCredit {
    pub feed_id: i64,
    pub title: String,
    /// The feed's website, which the credit links to.
    pub site_url: Option<String>,
}

/// What a fetch of a feed added: how many new items, and how many of those
/// are older than the inbox shows (`curation.inbox_days`), so stored but
/// never in the inbox. A curator told "3 items" who finds none in the inbox
/// is told why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Arrivals {
    pub new: usize,
    pub too_old: usize,
}

impl Arrivals {
    /// "all older than 14 days, kept out of the inbox", "1 older than 14
    /// days kept out of the inbox", or nothing when every new item is in it.
    pub fn kept_out(&self, inbox_days: i64) -> Option<String> {
        let days = if inbox_days == 1 {
            "1 day".to_owned()
        } else {
            format!("{inbox_days} days")
        };
        match self.too_old.min(self.new) {
            0 => None,
            n if n == self.new => Some(format!("all older than {days}, kept out of the inbox")),
            n => Some(format!("{n} older than {days} kept out of the inbox")),
        }
    }

    /// "3 items", "1 item, all older than 14 days, kept out of the inbox" and the like.
    pub fn items(&self, inbox_days: i64) -> String {
        let n = self.new;
        let items = format!("{n} item{}", if n == 1 { "" } else { "s" });
        match self.kept_out(inbox_days) {
            Some(why) => format!("{items}, {why}"),
            None => items,
        }
    }
}

/// A feed a web page advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub url: String,
    pub title: String,
    /// "RSS", "Atom" or "JSON Feed".
    pub kind: &'static str,
}

/// Longest folder name kept.
pub const FOLDER_MAX: usize = 80;

/// A folder name as typed: whitespace collapsed, cut to [`FOLDER_MAX`] characters.
pub fn folder_name(raw: &str) -> String {
    let folder = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    folder.chars().take(FOLDER_MAX).collect()
}

/// Poll intervals a curator may choose, in minutes.
pub const POLL_MINUTES_MIN: i32 = 5;
pub const POLL_MINUTES_MAX: i32 = 24 * 60;
pub const POLL_MINUTES_DEFAULT: i32 = 60;

/// The longest a failing feed waits between attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(24 * 3600);

/// Include/exclude words: an item passes when it mentions at least one
/// include word (or there are none) and no exclude word. Words are matched
/// case-insensitively against the title and summary text; a rule may be a
/// phrase ("adult social care").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordRules {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl WordRules {
    /// Rules from the two form fields: one rule per line or comma.
    pub fn parse(include: &str, exclude: &str) -> Self {
        Self {
            include: split_words(include),
            exclude: split_words(exclude),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// The stored form: one rule per line.
    pub fn include_text(&self) -> String {
        self.include.join("\n")
    }

    pub fn exclude_text(&self) -> String {
        self.exclude.join("\n")
    }

    pub fn passes(&self, title: &str, text: &str) -> bool {
        if self.is_empty() {
            return true;
        }
        let haystack = format!("{title} {text}")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let mentions = |word: &String| contains_word(&haystack, word);
        (self.include.is_empty() || self.include.iter().any(mentions)) && !self.exclude.iter().any(mentions)
    }
}

fn split_words(raw: &str) -> Vec<String> {
    let mut words: Vec<String> = raw
        .split([',', '\n'])
        .map(|w| w.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    words.dedup();
    words
}

/// Whole-word match, so "care" does not match "career".
fn contains_word(haystack: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric();
    haystack.match_indices(word).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// How long to wait before polling again after `failures` failures in a row
/// (0 after a success): the normal interval at first, then doubling per
/// further failure, never more than [`BACKOFF_CAP`]; and never sooner than a
/// server's `Retry-After` (itself capped).
pub fn next_delay(poll_minutes: i32, failures: u32, retry_after: Option<u64>) -> Duration {
    let interval = Duration::from_secs(u64::from(poll_minutes.clamp(POLL_MINUTES_MIN, POLL_MINUTES_MAX) as u32) * 60);
    let doublings = failures.saturating_sub(1).min(16);
    let backoff = interval.saturating_mul(1 << doublings).min(BACKOFF_CAP);
    let asked = Duration::from_secs(retry_after.unwrap_or(0)).min(BACKOFF_CAP);
    backoff.max(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_say_how_many_the_inbox_leaves_out_for_their_age() {
        let a = |new, too_old| Arrivals { new, too_old };
        assert_eq!(a(3, 0).items(14), "3 items");
        assert_eq!(a(1, 0).items(14), "1 item");
        assert_eq!(
            a(3, 3).items(14),
            "3 items, all older than 14 days, kept out of the inbox"
        );
        assert_eq!(a(3, 1).items(7), "3 items, 1 older than 7 days kept out of the inbox");
        assert_eq!(
            a(2, 2).kept_out(1).as_deref(),
            Some("all older than 1 day, kept out of the inbox")
        );
        assert_eq!(a(0, 0).kept_out(14), None);
    }

    #[test]
    fn no_rules_let_everything_through() {
        assert!(WordRules::parse("", "").passes("Anything", ""));
    }

    #[test]
    fn include_needs_one_word_and_exclude_vetoes() {
        let rules = WordRules::parse("housing, Adult social care", "sponsored");
        assert!(rules.passes("New housing strategy", ""));
        assert!(rules.passes("Budget", "Funding for ADULT social  care rises"));
        assert!(!rules.passes("Budget", "nothing relevant"));
        assert!(!rules.passes("Housing offer", "Sponsored content"));
    }

    #[test]
    fn words_match_whole_words_only() {
        let rules = WordRules::parse("care", "");
        assert!(!rules.passes("A career in comms", ""));
        assert!(rules.passes("Care homes", ""));
    }

    #[test]
    fn backoff_doubles_from_the_interval_and_is_capped() {
        let mins = |d: Duration| d.as_secs() / 60;
        assert_eq!(mins(next_delay(60, 0, None)), 60);
        assert_eq!(mins(next_delay(60, 1, None)), 60);
        assert_eq!(mins(next_delay(60, 2, None)), 120);
        assert_eq!(mins(next_delay(60, 3, None)), 240);
        assert_eq!(mins(next_delay(60, 5, None)), 960);
        assert_eq!(next_delay(60, 6, None), BACKOFF_CAP);
        assert_eq!(next_delay(60, 400, None), BACKOFF_CAP);
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        assert_eq!(next_delay(5, 1, Some(3600)).as_secs(), 3600);
        assert_eq!(next_delay(60, 1, Some(10)).as_secs(), 3600);
        assert_eq!(next_delay(60, 1, Some(10_000_000)), BACKOFF_CAP);
    }
}
