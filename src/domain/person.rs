//! What a person is called and what their profile says about their work,
//! checked once at the edge (a form, the command line, demo data) so every
//! way in applies the same rule.

use std::fmt;

/// Longest name kept.
pub const NAME_MAX: usize = 100;
/// Longest job title or department kept.
pub const PROFILE_LINE_MAX: usize = 120;

/// A person's name as colleagues know it: trimmed, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            Err("Enter your name as colleagues know it.")
        } else if name.chars().count() > NAME_MAX {
            Err("Keep your name under 100 characters.")
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job title or department: trimmed, at most 120 characters, may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileLine(String);

impl ProfileLine {
    /// `what` names the field in the message ("job title", "department").
    pub fn parse(raw: &str, what: &str) -> Result<Self, String> {
        let line = raw.trim();
        if line.chars().count() > PROFILE_LINE_MAX {
            Err(format!("Keep the {what} under 120 characters."))
        } else {
            Ok(Self(line.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's work, as their profile shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    pub job_title: ProfileLine,
    pub department: ProfileLine,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_fit() {
        assert_eq!(PersonName::parse("  Sam Jones ").unwrap().as_str(), "Sam Jones");
        assert!(PersonName::parse(" \t ").is_err());
        assert!(PersonName::parse(&"é".repeat(NAME_MAX)).is_ok());
        assert!(PersonName::parse(&"é".repeat(NAME_MAX + 1)).is_err());
    }

    #[test]
    fn profile_lines_may_be_empty_but_not_long() {
        assert_eq!(ProfileLine::parse("", "job title").unwrap().as_str(), "");
        assert_eq!(ProfileLine::parse(" Comms ", "department").unwrap().as_str(), "Comms");
        let long = "x".repeat(PROFILE_LINE_MAX + 1);
        assert_eq!(
            ProfileLine::parse(&long, "department").unwrap_err(),
            "Keep the department under 120 characters."
        );
    }
}
