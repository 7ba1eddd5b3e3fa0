//! Channel slugs: the `digital-comms` in `/c/digital-comms`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelSlug(String);

impl ChannelSlug {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_lowercase();
        if s.len() < 2 || s.len() > 60 {
            return Err("Use 2 to 60 characters.");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err("Use lower-case letters, digits and hyphens only.");
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("Hyphens go between words, one at a time.");
        }
        Ok(Self(s))
    }

    /// "Digital & Social Media!" → "digital-social-media".
    pub fn from_name(name: &str) -> Option<Self> {
        let mut out = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let out: String = out.trim_end_matches('-').chars().take(60).collect();
        Self::parse(out.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugifies_names() {
        assert_eq!(
            ChannelSlug::from_name("Digital & Social Media!").unwrap().as_str(),
            "digital-social-media"
        );
        assert!(ChannelSlug::from_name("!!").is_none());
    }

    #[test]
    fn rejects_bad_slugs() {
        for bad in ["a", "Has Space", "-lead", "trail-", "dou--ble", "ünï"] {
            assert!(ChannelSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
