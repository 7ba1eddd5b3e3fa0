//! Background work by name: what a row of the jobs table stands for. A job
//! is stored as a kind and a key (unique together), so scheduling the same
//! job twice moves it instead of doubling it.

/// Every kind of background job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// Fetch one feed and store what it brings; reschedules itself.
    PollFeed(i64),
    /// A post scheduled for later goes live (becomes findable).
    PublishPost(i64),
    /// Daily: delete inbox entries nobody can see any more.
    PruneInbox,
    /// Daily: forget search-outbox rows every index has applied.
    PruneOutbox,
    /// At the digest's scheduled times (and for retries): send the week's digest.
    SendDigest,
    /// Email people the notifications they asked to have by email, batched
    /// per person; reschedules itself while any wait.
    EmailNotifications,
}

/// The recurring key, for jobs that exist once.
const DAILY: &str = "daily";
const WEEKLY: &str = "weekly";
const PENDING: &str = "pending";

impl Job {
    /// Jobs that must always exist.
    pub const RECURRING: [Job; 2] = [Job::PruneInbox, Job::PruneOutbox];

    pub fn kind(self) -> &'static str {
        match self {
            Job::PollFeed(_) => "poll_feed",
            Job::PublishPost(_) => "publish_post",
            Job::PruneInbox => "prune_inbox",
            Job::PruneOutbox => "prune_outbox",
            Job::SendDigest => "send_digest",
            Job::EmailNotifications => "email_notifications",
        }
    }

    pub fn key(self) -> String {
        match self {
            Job::PollFeed(id) | Job::PublishPost(id) => id.to_string(),
            Job::PruneInbox | Job::PruneOutbox => DAILY.to_owned(),
            Job::SendDigest => WEEKLY.to_owned(),
            Job::EmailNotifications => PENDING.to_owned(),
        }
    }

    /// A row read back; `None` for a kind this version does not know.
    pub fn parse(kind: &str, key: &str) -> Option<Self> {
        match kind {
            "poll_feed" => key.parse().ok().map(Job::PollFeed),
            "publish_post" => key.parse().ok().map(Job::PublishPost),
            "prune_inbox" => Some(Job::PruneInbox),
            "prune_outbox" => Some(Job::PruneOutbox),
            "send_digest" => Some(Job::SendDigest),
            "email_notifications" => Some(Job::EmailNotifications),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Job;

    #[test]
    fn every_job_reads_back_as_itself() {
        for job in [
            Job::PollFeed(7),
            Job::PublishPost(-1),
            Job::PruneInbox,
            Job::PruneOutbox,
            Job::SendDigest,
            Job::EmailNotifications,
        ] {
            assert_eq!(Job::parse(job.kind(), &job.key()), Some(job));
        }
        assert_eq!(Job::parse("poll_feed", "seven"), None);
        assert_eq!(Job::parse("from_a_newer_version", "1"), None);
    }
}
