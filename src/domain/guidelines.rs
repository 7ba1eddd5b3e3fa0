//! The community guidelines as a moderator writes a new version of them:
//! Markdown words, and a line on what changed that everyone asked to accept
//! again reads first.

/// Longest guidelines kept, in characters.
pub const BODY_MAX: usize = 50_000;
/// Longest "what changed" line.
pub const SUMMARY_MAX: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub body_md: String,
    pub summary: String,
}

impl Draft {
    /// `Err` carries the field to fix and what to say.
    pub fn parse(body: &str, summary: &str) -> Result<Self, (&'static str, &'static str)> {
        let body = body.trim();
        let summary = summary.trim();
        if body.is_empty() {
            return Err(("body", "Write the guidelines: everyone will be asked to accept them."));
        }
        if body.chars().count() > BODY_MAX {
            return Err(("body", "Keep the guidelines under 50,000 characters."));
        }
        if summary.chars().count() > SUMMARY_MAX {
            return Err(("summary", "Keep what changed under 300 characters."));
        }
        Ok(Self {
            body_md: body.to_owned(),
            summary: summary.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidelines_have_words_and_fit() {
        assert_eq!(Draft::parse("  ", "").unwrap_err().0, "body");
        assert_eq!(Draft::parse(&"x".repeat(BODY_MAX + 1), "").unwrap_err().0, "body");
        assert_eq!(
            Draft::parse("Be kind.", &"x".repeat(SUMMARY_MAX + 1)).unwrap_err().0,
            "summary"
        );
        let d = Draft::parse(" Be kind. ", " First version ").unwrap();
        assert_eq!((d.body_md.as_str(), d.summary.as_str()), ("Be kind.", "First version"));
    }
}
