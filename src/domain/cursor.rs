//! Keyset cursors for paginated feeds: "items strictly older (or newer)
//! than (time, id)", and which page of a newest-first feed is wanted.

use chrono::{DateTime, Utc};

use super::time::from_micros;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn new(at: DateTime<Utc>, id: i64) -> Self {
        Self { at, id }
    }

    /// `"<micros>-<id>"`: opaque to users, stable in URLs.
    pub fn encode(&self) -> String {
        format!("{}-{}", self.at.timestamp_micros(), self.id)
    }

    /// Anything malformed is treated as "no cursor" by callers, never a 500.
    pub fn decode(raw: &str) -> Option<Self> {
        let (micros, id) = raw.split_once('-')?;
        let at = from_micros(micros.parse().ok()?)?;
        let id = id.parse().ok()?;
        Some(Self { at, id })
    }
}

/// A page of a newest-first feed: the newest, the one just older than a
/// post, or the one just newer than it (shown newest first all the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    Newest,
    Before(Cursor),
    After(Cursor),
}

impl PageAt {
    /// From `?before=…` or `?after=…`; anything malformed is the newest page.
    pub fn from_query(before: Option<&str>, after: Option<&str>) -> Self {
        if let Some(c) = before.and_then(Cursor::decode) {
            PageAt::Before(c)
        } else if let Some(c) = after.and_then(Cursor::decode) {
            PageAt::After(c)
        } else {
            PageAt::Newest
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let c = Cursor::new(crate::domain::time::now(), 42);
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Cursor::decode("abc"), None);
        assert_eq!(Cursor::decode("12-x"), None);
        assert_eq!(Cursor::decode(""), None);
    }
}
