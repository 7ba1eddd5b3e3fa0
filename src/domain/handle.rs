//! Handles: the `@name` people are mentioned by and found at (`/u/<handle>`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

impl Handle {
    /// Letters, digits, dots, hyphens and underscores; starts and ends with a letter or digit.
    pub fn parse(raw: &str) -> Option<Self> {
        let h = raw.trim().trim_start_matches('@').to_lowercase();
        let valid = (1..=40).contains(&h.len())
            && h.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
            && h.starts_with(|c: char| c.is_ascii_alphanumeric())
            && h.ends_with(|c: char| c.is_ascii_alphanumeric());
        valid.then_some(Self(h))
    }

    /// A handle suggested from an email's local part ("Sam.O'Neil" → "sam.oneil").
    pub fn suggest(local_part: &str) -> Self {
        let cleaned: String = local_part
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let mut h: String = trimmed.chars().take(32).collect();
        h = h.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
        if h.is_empty() {
            h = "user".into();
        }
        Self(h)
    }

    /// The same handle with a numeric suffix, for when the plain one is taken.
    pub fn numbered(&self, n: u32) -> Self {
        Self(format!("{}{}", self.0, n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_from_email() {
        assert_eq!(Handle::suggest("Sam.O'Neil").as_str(), "sam.oneil");
        assert_eq!(Handle::suggest("...").as_str(), "user");
    }

    #[test]
    fn parses_with_or_without_at() {
        assert_eq!(Handle::parse("@Natalie.Hughes").unwrap().as_str(), "natalie.hughes");
        assert!(Handle::parse("bad handle").is_none());
        assert!(Handle::parse(".dot").is_none());
    }
}
