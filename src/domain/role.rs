//! Site-wide roles a user holds. A user holds a set of them; `member` is implied.
//! What each role may do is `policy`'s to say; this only names them.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Role {
    /// Every account: reads open channels, reacts, replies, reports.
    Member,
    /// Holds a licence to post: starts posts and shares links in open channels.
    Contributor,
    /// Follows feeds, works the inbox and shares into channels.
    Curator,
    /// The customer-service champion: reports, hiding, warnings, guidelines.
    Moderator,
    /// The account coordinator: licence applications, channel requests, registers.
    Coordinator,
    /// Technical support: people, roles, site lists, feeds, settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Member,
        Role::Contributor,
        Role::Curator,
        Role::Moderator,
        Role::Coordinator,
        Role::Admin,
    ];

    /// The roles that are given and taken away (`member` is everyone's).
    pub const GIVEN: [Role; 5] = [
        Role::Contributor,
        Role::Curator,
        Role::Moderator,
        Role::Coordinator,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Contributor => "contributor",
            Role::Curator => "curator",
            Role::Moderator => "moderator",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Member => "Member",
            Role::Contributor => "Contributor",
            Role::Curator => "Curator",
            Role::Moderator => "Moderator",
            Role::Coordinator => "Coordinator",
            Role::Admin => "Administrator",
        }
    }

    /// What the role is for, in a sentence, as the people pages explain it.
    pub fn duty(self) -> &'static str {
        match self {
            Role::Member => "Reads open channels, reacts, replies and reports content.",
            Role::Contributor => "Licence to post: starts posts and shares links in open channels.",
            Role::Curator => "Follows feeds, works the inbox and shares the best links.",
            Role::Moderator => "Works the report queue, hides and restores, warns, edits the guidelines.",
            Role::Coordinator => "Approves licence applications and channel requests; keeps the registers.",
            Role::Admin => "Runs the system: people, roles, site lists, feeds and settings.",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_lowercase();
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::parse(&format!(" {} ", role.as_str().to_uppercase())), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
        assert_eq!(Role::parse(""), None);
    }
}
