//! What a person is told, and how: the kinds of notification (a reply, a
//! mention, a decision, a moderator's hide or warning, an announcement) and
//! each person's choice per kind (off, in the app, or in the app and by
//! email now). Moderators' and coordinators' messages are always shown: a
//! warning must be acknowledged, and a decision answers what the person asked.

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// Someone replied to your post.
    Reply,
    /// Someone replied in a thread you took part in (started or replied to).
    ThreadReply,
    /// Someone @mentioned you in a post or a reply.
    Mention,
    /// For a channel's managers: someone asked to join it.
    JoinRequest,
    /// A manager accepted or declined your request to join a working group.
    JoinDecision,
    /// You were named a channel's manager, or its deputy until a day.
    Steward,
    /// A coordinator decided your licence application or channel request.
    Decision,
    /// Your post or reply was hidden, and why.
    Hidden,
    /// Something of yours hidden earlier is shown again.
    Restored,
    /// A moderator's warning, to acknowledge.
    Warning,
    /// For moderators: another moderator broke the glass on an account.
    BreakGlass,
    /// An announcement in a channel you follow.
    Announcement,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 12] = [
        NotificationKind::Reply,
        NotificationKind::ThreadReply,
        NotificationKind::Mention,
        NotificationKind::JoinRequest,
        NotificationKind::JoinDecision,
        NotificationKind::Steward,
        NotificationKind::Decision,
        NotificationKind::Hidden,
        NotificationKind::Restored,
        NotificationKind::Warning,
        NotificationKind::BreakGlass,
        NotificationKind::Announcement,
    ];

    /// The kinds a person chooses for at `/settings/notifications`, in the
    /// page's order; the others are always shown in the app.
    pub const CHOSEN: [NotificationKind; 4] = [
        NotificationKind::Reply,
        NotificationKind::ThreadReply,
        NotificationKind::Mention,
        NotificationKind::Announcement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::ThreadReply => "thread-reply",
            NotificationKind::Mention => "mention",
            NotificationKind::JoinRequest => "join-request",
            NotificationKind::JoinDecision => "join-decision",
            NotificationKind::Steward => "steward",
            NotificationKind::Decision => "decision",
            NotificationKind::Hidden => "hidden",
            NotificationKind::Restored => "restored",
            NotificationKind::Warning => "warning",
            NotificationKind::BreakGlass => "break-glass",
            NotificationKind::Announcement => "announcement",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Whether the person may switch it off or have it emailed.
    pub fn is_chosen(self) -> bool {
        Self::CHOSEN.contains(&self)
    }

    /// Whether "email now" is offered: only what is addressed to the person
    /// (mentions) or meant to reach them (announcements).
    pub fn may_email(self) -> bool {
        matches!(self, NotificationKind::Mention | NotificationKind::Announcement)
    }

    /// A warning stays unread until acknowledged on its own: "mark all
    /// read" leaves it.
    pub fn must_acknowledge(self) -> bool {
        self == NotificationKind::Warning
    }

    /// The heading of a notification that names no person (the
    /// moderators' and coordinators' kinds).
    pub fn title(self) -> &'static str {
        match self {
            NotificationKind::Reply => "A reply to your post",
            NotificationKind::ThreadReply => "A reply in a thread you took part in",
            NotificationKind::Mention => "You were mentioned",
            NotificationKind::JoinRequest => "Someone asked to join a channel you run",
            NotificationKind::JoinDecision => "A manager answered your request to join",
            NotificationKind::Steward => "You were asked to help run a channel",
            NotificationKind::Decision => "A coordinator decided what you asked for",
            NotificationKind::Hidden => "A moderator hid something you wrote",
            NotificationKind::Restored => "Something you wrote is shown again",
            NotificationKind::Warning => "A warning from the moderators",
            NotificationKind::BreakGlass => "An account was stopped",
            NotificationKind::Announcement => "An announcement",
        }
    }

    /// What the actor did, after their name: "Ada replied to your post".
    pub fn verb(self) -> &'static str {
        match self {
            NotificationKind::Reply => "replied to your post",
            NotificationKind::ThreadReply => "replied in a thread you took part in:",
            NotificationKind::Mention => "mentioned you in",
            NotificationKind::JoinRequest => "asked to join",
            NotificationKind::JoinDecision => "answered your request to join",
            NotificationKind::Steward => "named you to help run",
            NotificationKind::Announcement => "announced",
            _ => "",
        }
    }

    /// The word before the channel's name: "in #comms", but "to join" needs none.
    pub fn channel_word(self) -> &'static str {
        if matches!(
            self,
            NotificationKind::JoinDecision | NotificationKind::JoinRequest | NotificationKind::Steward
        ) {
            ""
        } else {
            "in"
        }
    }

    /// Whether the page names who did it: people's own actions do; the
    /// moderators' and coordinators' messages speak for the role.
    pub fn names_actor(self) -> bool {
        !self.verb().is_empty()
    }

    /// The settings page's label for the kind.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::Reply => "Replies to your posts",
            NotificationKind::ThreadReply => "Replies in threads you took part in",
            NotificationKind::Mention => "Mentions of you (@your-handle)",
            NotificationKind::Announcement => "Announcements in channels you follow",
            _ => self.title(),
        }
    }
}

/// How a person wants one kind of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Not at all.
    Off,
    /// In the app: the list and the count in the header.
    #[default]
    App,
    /// In the app, and by email as soon as it may go (batched: at most one
    /// email per person per [`EMAIL_GAP_MINUTES`]).
    Email,
}

/// The least time between two notification emails to one person.
pub const EMAIL_GAP_MINUTES: i64 = 15;

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Off => "off",
            Delivery::App => "app",
            Delivery::Email => "email",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Delivery::Off, Delivery::App, Delivery::Email]
            .into_iter()
            .find(|d| d.as_str() == raw.trim())
    }

    /// The choice for `kind` as it may be: email only where it is offered,
    /// and nothing but the app for the kinds nobody switches off.
    pub fn allowed_for(self, kind: NotificationKind) -> Self {
        match self {
            _ if !kind.is_chosen() => Delivery::App,
            Delivery::Email if !kind.may_email() => Delivery::App,
            other => other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Delivery::Off => "Off",
            Delivery::App => "In Commonroom",
            Delivery::Email => "In Commonroom and by email now",
        }
    }
}

/// Who hears of a reply, each once, by the strongest reason: a mention
/// before a reply to their post before a reply in a thread they took part
/// in. Never the reply's author. `fallbacks` lists each person's reasons in
/// that order, so one who switched mentions off still hears of a reply to
/// their post. In ascending id, the order every fan-out tells people in:
/// each notice takes its person's row (their access stamp) until the
/// transaction ends, and one order means two fan-outs at once cannot
/// deadlock on PostgreSQL.
pub fn reply_recipients(
    author_id: i64,
    post_author: i64,
    participants: &[i64],
    mentioned: &[i64],
) -> Vec<(i64, Vec<NotificationKind>)> {
    let mut out: Vec<(i64, Vec<NotificationKind>)> = Vec::new();
    let mut add = |user: i64, kind: NotificationKind| {
        if user == author_id {
            return;
        }
        match out.iter_mut().find(|(u, _)| *u == user) {
            Some((_, kinds)) => {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            None => out.push((user, vec![kind])),
        }
    };
    for &user in mentioned {
        add(user, NotificationKind::Mention);
    }
    add(post_author, NotificationKind::Reply);
    for &user in participants {
        add(user, NotificationKind::ThreadReply);
    }
    out.sort_by_key(|(user, _)| *user);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_deliveries_read_back() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        for d in [Delivery::Off, Delivery::App, Delivery::Email] {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert_eq!(NotificationKind::parse("poke"), None);
    }

    #[test]
    fn email_only_for_mentions_and_announcements_and_warnings_cannot_be_switched_off() {
        assert_eq!(Delivery::Email.allowed_for(NotificationKind::Mention), Delivery::Email);
        assert_eq!(
            Delivery::Email.allowed_for(NotificationKind::Announcement),
            Delivery::Email
        );
        assert_eq!(Delivery::Email.allowed_for(NotificationKind::Reply), Delivery::App);
        assert_eq!(Delivery::Off.allowed_for(NotificationKind::Reply), Delivery::Off);
        assert_eq!(Delivery::Off.allowed_for(NotificationKind::Warning), Delivery::App);
        assert_eq!(Delivery::Email.allowed_for(NotificationKind::Hidden), Delivery::App);
    }

    #[test]
    fn each_person_hears_of_a_reply_once_by_the_strongest_reason_and_never_the_author() {
        use NotificationKind::*;
        // 1 wrote the post, 2 and 3 replied before, 4 replies now mentioning 1 and 5 (and themself).
        let got = reply_recipients(4, 1, &[2, 3, 4, 2], &[1, 5, 4]);
        assert_eq!(
            got,
            vec![
                (1, vec![Mention, Reply]),
                (2, vec![ThreadReply]),
                (3, vec![ThreadReply]),
                (5, vec![Mention]),
            ]
        );
        // Replying in one's own thread tells nobody but the others.
        assert_eq!(reply_recipients(1, 1, &[1], &[]), vec![]);
    }
}
