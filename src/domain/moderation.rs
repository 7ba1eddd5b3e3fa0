//! Keeping the community safe: what is reported and why, what a moderator
//! writes when acting. The notices a person reads on their next visit are
//! notifications (`domain::notification`).
//! Parsed here once, at the edge; the store and the service trust them.

use std::fmt;

/// Something a person can report or a moderator can hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Post(i64),
    Reply(i64),
}

impl Target {
    pub fn kind(self) -> &'static str {
        match self {
            Target::Post(_) => "post",
            Target::Reply(_) => "reply",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Target::Post(id) | Target::Reply(id) => id,
        }
    }

    /// From a stored or routed kind and id; anything else is not a target.
    pub fn parse(kind: &str, id: i64) -> Option<Self> {
        match kind {
            "post" => Some(Target::Post(id)),
            "reply" => Some(Target::Reply(id)),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// Why someone reported something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportReason {
    Bullying,
    PersonalData,
    Misinformation,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 4] = [
        ReportReason::Bullying,
        ReportReason::PersonalData,
        ReportReason::Misinformation,
        ReportReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Bullying => "bullying",
            ReportReason::PersonalData => "personal-data",
            ReportReason::Misinformation => "misinformation",
            ReportReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportReason::Bullying => "Bullying or harassment",
            ReportReason::PersonalData => "Personal data that should not be here",
            ReportReason::Misinformation => "Misinformation",
            ReportReason::Other => "Something else",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }
}

/// Longest report details, moderator reason or warning kept.
pub const TEXT_MAX: usize = 2000;

/// A report as typed: a reason, and details (required for "something else").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub reason: ReportReason,
    pub details: String,
}

impl Report {
    /// `Err` carries the field to fix and what to say.
    pub fn parse(reason: &str, details: &str) -> Result<Self, (&'static str, &'static str)> {
        let reason = ReportReason::parse(reason).ok_or(("reason", "Choose why you are reporting this."))?;
        let details = details.trim();
        if details.chars().count() > TEXT_MAX {
            return Err(("details", "Keep the details under 2,000 characters."));
        }
        if reason == ReportReason::Other && details.is_empty() {
            return Err(("details", "Tell the moderators what is wrong."));
        }
        Ok(Self {
            reason,
            details: details.to_owned(),
        })
    }
}

/// What a moderator writes when acting on someone (a hide, a warning, a
/// break glass): never empty, since the person and the audit log read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let text = raw.trim();
        if text.is_empty() {
            Err("Give a reason: the person and the audit log will read it.")
        } else if text.chars().count() > TEXT_MAX {
            Err("Keep the reason under 2,000 characters.")
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a notice is about: notices are notifications now
/// (`domain::notification`); the old name stays for moderation's callers.
pub use super::notification::NotificationKind as NoticeKind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_need_a_known_reason_and_words_for_something_else() {
        assert_eq!(
            Report::parse("bullying", "  ").unwrap(),
            Report {
                reason: ReportReason::Bullying,
                details: String::new()
            }
        );
        assert_eq!(Report::parse("spam", "").unwrap_err().0, "reason");
        assert_eq!(Report::parse("other", " ").unwrap_err().0, "details");
        assert!(Report::parse("other", "It names a patient").is_ok());
        assert_eq!(
            Report::parse("bullying", &"x".repeat(TEXT_MAX + 1)).unwrap_err().0,
            "details"
        );
    }

    #[test]
    fn moderators_always_say_why() {
        assert!(Reason::parse("   ").is_err());
        assert!(Reason::parse(&"é".repeat(TEXT_MAX + 1)).is_err());
        assert_eq!(Reason::parse(" Names a patient ").unwrap().as_str(), "Names a patient");
    }

    #[test]
    fn targets_and_kinds_read_back() {
        for t in [Target::Post(3), Target::Reply(4)] {
            assert_eq!(Target::parse(t.kind(), t.id()), Some(t));
        }
        assert_eq!(Target::parse("user", 1), None);
        for k in [
            NoticeKind::Hidden,
            NoticeKind::Restored,
            NoticeKind::Warning,
            NoticeKind::BreakGlass,
            NoticeKind::Decision,
        ] {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
    }
}
