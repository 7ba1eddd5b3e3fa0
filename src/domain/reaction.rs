//! The reactions staff can leave on posts and replies.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReactionKind {
    Like,
    Thanks,
    Insightful,
}

impl ReactionKind {
    pub const ALL: [ReactionKind; 3] = [ReactionKind::Like, ReactionKind::Thanks, ReactionKind::Insightful];

    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Like => "like",
            ReactionKind::Thanks => "thanks",
            ReactionKind::Insightful => "insightful",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReactionKind::Like => "Like",
            ReactionKind::Thanks => "Thanks",
            ReactionKind::Insightful => "Insightful",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            ReactionKind::Like => "👍",
            ReactionKind::Thanks => "🙏",
            ReactionKind::Insightful => "💡",
        }
    }
}
