//! Who may see what in the index: a reader's access, read from the database
//! for each search, checked against every match as results are collected.

/// Which documents the reader may see, by their `scope` (channel id × 2, plus 1 if private).
#[derive(Debug, Clone, Default)]
pub struct AccessCheck {
    /// Channels the reader may not read now (from the database, this request).
    pub unreadable: Vec<u64>,
    /// Private channels the reader is a member of now.
    pub member_of: Vec<u64>,
}

impl AccessCheck {
    /// From the database's ids: channels unreadable now, and private ones the reader is in.
    pub fn new(unreadable: &[i64], member_of: &[i64]) -> Self {
        let ids = |v: &[i64]| v.iter().filter_map(|&id| u64::try_from(id).ok()).collect();
        Self {
            unreadable: ids(unreadable),
            member_of: ids(member_of),
        }
    }

    /// A channel's content is visible unless its channel is unreadable now, or
    /// it was private when indexed and the reader is not a member (which also
    /// covers a private channel created after this request read the list).
    #[inline]
    pub fn allows(&self, scope: u64) -> bool {
        let channel = scope >> 1;
        !self.unreadable.contains(&channel) && (scope & 1 == 0 || self.member_of.contains(&channel))
    }
}
