//! Who may do what to which object. Every handler and every listing query asks
//! here; nothing else decides. This is the community model: everyone reads
//! and replies (once they accept the guidelines), contributors hold a licence
//! to post, moderators keep it safe, coordinators keep the registers, and
//! administrators run the system.

use chrono::{DateTime, Utc};

use super::role::Role;

/// A channel someone looks after: its manager (for as long as they are
/// named), or a deputy covering for a manager on leave `until` a moment,
/// after which the deputy's rights end by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stewardship {
    pub channel_id: i64,
    /// `None` for a manager; the end of the cover for a deputy.
    pub until: Option<DateTime<Utc>>,
}

/// The signed-in person asking to do something.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub roles: Vec<Role>,
    /// The private channels the actor is a member of.
    pub channels: Vec<i64>,
    /// The organisation lets every member post (`community.open_posting`).
    pub open_posting: bool,
    /// There is a version of the community guidelines this person has not
    /// accepted yet: they read, but neither post nor reply until they do.
    pub guidelines_pending: bool,
    /// The channels this person manages, or covers for as a deputy.
    pub manages: Vec<Stewardship>,
    /// When the request is being decided: a deputy's rights are read
    /// against it, so they lapse with no job to revoke them.
    pub at: DateTime<Utc>,
}

impl Actor {
    /// Someone who only reads (as the digest reads on a recipient's behalf):
    /// what they may post does not come into it.
    pub fn reader(user_id: i64, roles: Vec<Role>, channels: Vec<i64>) -> Self {
        Self {
            user_id,
            roles,
            channels,
            open_posting: false,
            guidelines_pending: false,
            manages: Vec::new(),
            at: super::time::now(),
        }
    }

    /// Whether this person manages a channel now: as its manager, or as a
    /// deputy whose cover has not ended.
    pub fn manages(&self, channel_id: i64) -> bool {
        self.manages
            .iter()
            .any(|s| s.channel_id == channel_id && s.until.is_none_or(|until| self.at < until))
    }

    /// Whether this person is a channel's manager in their own right (not a
    /// deputy), who names deputies.
    pub fn is_manager_of(&self, channel_id: i64) -> bool {
        self.manages
            .iter()
            .any(|s| s.channel_id == channel_id && s.until.is_none())
    }

    pub fn is_member_of(&self, channel_id: i64) -> bool {
        self.channels.contains(&channel_id)
    }

    pub fn has(&self, role: Role) -> bool {
        role == Role::Member || self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }
}

/// Why the policy said no, so the page can say who could actually help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Channels, people and the site lists are administrators' work.
    AdminsOnly,
    /// Feeds and the inbox are curators' (and administrators') work.
    CuratorsOnly,
    /// Reports, hiding and the guidelines are moderators' work.
    ModeratorsOnly,
    /// Licence applications, channel requests and the registers are coordinators' work.
    CoordinatorsOnly,
    /// Starting posts in open channels takes a licence to post.
    LicenceNeeded,
    /// Posting and replying wait until the current guidelines are accepted.
    GuidelinesFirst,
    /// Nobody reports their own words.
    OwnWords,
    /// Only whoever wrote something may change its words.
    AuthorOnly,
    /// Its author or an administrator may delete or restore something.
    AuthorOrAdmin,
    /// An archived channel takes nothing new until it is brought back.
    ArchivedChannel,
    /// A deleted or hidden post's thread (or a deleted reply) is closed.
    Closed,
    /// A private channel's member list is for its members (and administrators).
    MembersOnly,
    /// Running a channel (members, requests, pins, announcements) is for its
    /// managers and deputies, and administrators.
    ManagersOnly,
    /// Deleted too long ago to be restored.
    TooLateToRestore,
    /// An administrator took it down: only an administrator brings it back.
    RemovedByAdmin,
}

impl Refusal {
    /// The refusal for changing content: the channel or thread being closed
    /// comes first, since nobody could help with the rest until that changes.
    pub fn for_content(ch: &ChannelFacts, content: &ContentFacts, otherwise: Refusal) -> Refusal {
        if ch.archived {
            Refusal::ArchivedChannel
        } else if content.deleted || content.hidden {
            Refusal::Closed
        } else {
            otherwise
        }
    }

    /// What to tell the person, naming who can help; administrators are never
    /// told to ask an administrator.
    pub fn explain(self, is_admin: bool) -> &'static str {
        match (self, is_admin) {
            (Refusal::AdminsOnly, false) => {
                "Only administrators can do this. If it needs doing, ask one of your Commonroom administrators."
            }
            (Refusal::AdminsOnly, true) => {
                "This needs an administrator, and your account's roles changed since this page loaded. Reload the page and try again."
            }
            (Refusal::CuratorsOnly, _) => {
                "Following feeds and the curator's inbox are for curators. To become one, ask a Commonroom administrator."
            }
            (Refusal::ModeratorsOnly, _) => {
                "This is for the community's moderators. To raise a concern about something you read, use its Report button."
            }
            (Refusal::CoordinatorsOnly, _) => {
                "This is for the community's coordinators, who look after licences to post, channel requests and the registers."
            }
            (Refusal::LicenceNeeded, _) => {
                "Starting posts in open channels needs a licence to post. You can still reply and react. Apply for a licence and a coordinator will look at it."
            }
            (Refusal::OwnWords, _) => "You cannot report what you wrote yourself. You can edit or delete it instead.",
            (Refusal::GuidelinesFirst, _) => {
                "Before you post or reply, read and accept the community guidelines. It takes a minute, and you can keep reading meanwhile."
            }
            (Refusal::AuthorOnly, false) => "Only the person who wrote this can change its words.",
            (Refusal::AuthorOnly, true) => {
                "Only the person who wrote this can change its words. As an administrator you can delete it if it breaks the guidelines."
            }
            (Refusal::AuthorOrAdmin, _) => "Only the person who wrote this, or an administrator, can do that.",
            (Refusal::ArchivedChannel, false) => {
                "This channel is archived: you can read and search it, but nobody can post, reply or react. An administrator can bring it back."
            }
            (Refusal::ArchivedChannel, true) => {
                "This channel is archived, so nothing can be posted, replied to or reacted to. Bring it back from the archive on the channel's page first."
            }
            (Refusal::Closed, _) => {
                "This has been deleted or hidden, so it can no longer be changed, replied to or reacted to."
            }
            (Refusal::MembersOnly, false) => {
                "Only members of this private channel, and administrators, can see who is in it. Ask its managers to add you."
            }
            (Refusal::MembersOnly, true) => {
                "Only members of this private channel, and administrators, can see who is in it."
            }
            (Refusal::ManagersOnly, _) => {
                "This is for the channel's managers (and a deputy while they cover). The channel's page names them, if you need something done."
            }
            (Refusal::RemovedByAdmin, _) => {
                "An administrator removed this, so only an administrator can restore it. Ask one if you think it should come back."
            }
            (Refusal::TooLateToRestore, _) => {
                "This was deleted more than 30 days ago, so it can no longer be restored."
            }
        }
    }
}

impl Refusal {
    /// Where the person can go to change the answer, if anywhere: `(href, label)`.
    pub fn next_step(self) -> Option<(&'static str, &'static str)> {
        match self {
            Refusal::LicenceNeeded => Some(("/apply", "Apply for a licence to post")),
            Refusal::GuidelinesFirst => Some(("/guidelines", "Read the community guidelines")),
            _ => None,
        }
    }
}

/// Who can see a channel and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Visibility {
    /// Everyone signed in can read it.
    Open,
    /// Listed for everyone; content for members only.
    PrivateListed,
    /// Neither listed nor readable except by members.
    PrivateHidden,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Open => "open",
            Visibility::PrivateListed => "private-listed",
            Visibility::PrivateHidden => "private-hidden",
        }
    }

    pub const ALL: [Visibility; 3] = [Visibility::Open, Visibility::PrivateListed, Visibility::PrivateHidden];

    /// A value from a form: only the three known ones.
    pub fn from_form(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Open => "Open: everyone can read and find it",
            Visibility::PrivateListed => "Private, listed: everyone sees it exists; only members read it",
            Visibility::PrivateHidden => "Private, hidden: only members know it exists",
        }
    }

    pub fn is_private(self) -> bool {
        self != Visibility::Open
    }

    /// Unknown values are treated as the most private, never the most open.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "open" => Visibility::Open,
            "private-listed" => Visibility::PrivateListed,
            _ => Visibility::PrivateHidden,
        }
    }
}

/// What the policy needs to know about a channel.
#[derive(Debug, Clone, Copy)]
pub struct ChannelFacts {
    pub visibility: Visibility,
    pub archived: bool,
    /// Whether the actor is a member of this (private) channel.
    pub is_member: bool,
    /// Whether the actor manages this channel now (a deputy within their cover included).
    pub is_manager: bool,
}

/// What the policy needs to know about a post or reply.
#[derive(Debug, Clone, Copy)]
pub struct ContentFacts {
    pub author_id: i64,
    pub deleted: bool,
    pub hidden: bool,
    /// Scheduled for later: only its author sees it until then.
    pub scheduled: bool,
}

pub fn can_see_channel_listed(_actor: &Actor, ch: &ChannelFacts) -> bool {
    ch.visibility != Visibility::PrivateHidden || ch.is_member
}

pub fn can_read_channel(_actor: &Actor, ch: &ChannelFacts) -> bool {
    ch.visibility == Visibility::Open || ch.is_member
}

pub fn can_follow_channel(actor: &Actor, ch: &ChannelFacts) -> bool {
    can_read_channel(actor, ch)
}

/// A post or reply can be read by whoever can read its channel, except that a
/// scheduled post is its author's alone until it is published.
pub fn can_read_content(actor: &Actor, ch: &ChannelFacts, content: &ContentFacts) -> bool {
    can_read_channel(actor, ch) && (!content.scheduled || content.author_id == actor.user_id)
}

/// A licence to post: contributors hold one, so do curators and
/// administrators, and every member does where the organisation opened
/// posting to all.
pub fn has_licence(actor: &Actor) -> bool {
    actor.open_posting
        || [Role::Contributor, Role::Curator, Role::Admin]
            .iter()
            .any(|r| actor.has(*r))
}

/// Whether the actor may start a post in a channel they can read, and if
/// not, why. Members of a working group (a private channel) post there
/// without a licence; open channels take one. Everyone accepts the current
/// guidelines first.
pub fn may_post_in(actor: &Actor, ch: &ChannelFacts) -> Result<(), Refusal> {
    if !can_read_channel(actor, ch) {
        Err(Refusal::Closed)
    } else if ch.archived {
        Err(Refusal::ArchivedChannel)
    } else if !(has_licence(actor) || (ch.visibility.is_private() && ch.is_member)) {
        Err(Refusal::LicenceNeeded)
    } else if actor.guidelines_pending {
        Err(Refusal::GuidelinesFirst)
    } else {
        Ok(())
    }
}

pub fn can_post_in(actor: &Actor, ch: &ChannelFacts) -> bool {
    may_post_in(actor, ch).is_ok()
}

/// Whether a thread takes replies at all (from anyone who may read it).
pub fn thread_open(ch: &ChannelFacts, post: &ContentFacts) -> bool {
    !ch.archived && !post.deleted && !post.hidden && !post.scheduled
}

/// Every member who can read a thread may reply, once they have accepted
/// the current guidelines.
pub fn may_reply_in(actor: &Actor, ch: &ChannelFacts, post: &ContentFacts) -> Result<(), Refusal> {
    if !can_read_channel(actor, ch) || !thread_open(ch, post) {
        Err(Refusal::for_content(ch, post, Refusal::Closed))
    } else if actor.guidelines_pending {
        Err(Refusal::GuidelinesFirst)
    } else {
        Ok(())
    }
}

pub fn can_reply_in(actor: &Actor, ch: &ChannelFacts, post: &ContentFacts) -> bool {
    may_reply_in(actor, ch, post).is_ok()
}

/// Reacting needs no guidelines: it says nothing in anyone's name.
pub fn can_react(actor: &Actor, ch: &ChannelFacts, content: &ContentFacts) -> bool {
    can_read_channel(actor, ch) && thread_open(ch, content)
}

/// Anyone who can read something may report it, but not their own words
/// and not twice (the store keeps the second out).
pub fn can_report(actor: &Actor, ch: &ChannelFacts, content: &ContentFacts) -> bool {
    can_read_content(actor, ch, content) && content.author_id != actor.user_id && !content.deleted && !content.hidden
}

/// Moderators (and administrators) work the report queue, hide and
/// restore, warn, suspend, break the glass, and edit the guidelines.
pub fn can_moderate(actor: &Actor) -> bool {
    actor.has(Role::Moderator) || actor.is_admin()
}

/// Hidden content stays readable, marked, to its author and to moderators;
/// everyone else sees a notice in its place.
pub fn can_see_hidden(actor: &Actor, content: &ContentFacts) -> bool {
    content.author_id == actor.user_id || can_moderate(actor)
}

/// Coordinators (and administrators) decide licence applications and
/// channel requests, and keep the registers.
pub fn can_coordinate(actor: &Actor) -> bool {
    actor.has(Role::Coordinator) || actor.is_admin()
}

/// Who reads the audit log: administrators, and the moderators whose
/// actions it mostly records.
pub fn can_read_audit(actor: &Actor) -> bool {
    can_moderate(actor)
}

/// Only the author edits their words, and not once the channel is archived
/// or a moderator hid them.
pub fn can_edit(actor: &Actor, ch: &ChannelFacts, content: &ContentFacts) -> bool {
    content.author_id == actor.user_id
        && !content.deleted
        && !content.hidden
        && !ch.archived
        && can_read_channel(actor, ch)
}

/// The author, or an administrator, may delete (softly: a notice remains),
/// but not in an archived channel, which takes no changes.
pub fn can_delete(actor: &Actor, ch: &ChannelFacts, content: &ContentFacts) -> bool {
    !content.deleted
        && !ch.archived
        && can_read_channel(actor, ch)
        && (content.author_id == actor.user_id || actor.is_admin())
}

/// How long after deletion a post or reply can still be restored.
pub const RESTORE_DAYS: i64 = 30;

/// When and by whom something was deleted.
#[derive(Debug, Clone, Copy)]
pub struct Deletion {
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: Option<i64>,
}

/// For [`RESTORE_DAYS`] after deletion an administrator may restore deleted
/// content, and so may its author if they deleted it themselves (what an
/// administrator took down stays down unless an administrator says). Not in
/// an archived channel, which takes no changes. A "no" says why.
pub fn may_restore(
    actor: &Actor,
    ch: &ChannelFacts,
    content: &ContentFacts,
    deletion: Deletion,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Refusal> {
    let own = content.author_id == actor.user_id && deletion.by == Some(actor.user_id);
    if ch.archived {
        Err(Refusal::ArchivedChannel)
    } else if now - deletion.at > chrono::Duration::days(RESTORE_DAYS) {
        Err(Refusal::TooLateToRestore)
    } else if !(own || actor.is_admin()) {
        Err(if content.author_id == actor.user_id {
            Refusal::RemovedByAdmin
        } else {
            Refusal::AuthorOrAdmin
        })
    } else if !content.deleted || !can_read_channel(actor, ch) {
        Err(Refusal::Closed)
    } else {
        Ok(())
    }
}

pub fn can_create_channel(actor: &Actor) -> bool {
    actor.is_admin()
}

pub fn can_archive_channel(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Who may see a private channel's member list: its members, its
/// managers, and admins.
pub fn can_see_members(actor: &Actor, ch: &ChannelFacts) -> bool {
    ch.is_member || ch.is_manager || actor.is_admin()
}

/// A channel's managers (a deputy within their cover included) and admins
/// run it: its name, purpose and visibility, its members and the requests
/// to join. Nobody manages what they cannot see.
pub fn can_manage_channel(actor: &Actor, ch: &ChannelFacts) -> bool {
    actor.is_admin() || (ch.is_manager && can_see_channel_listed(actor, ch))
}

/// Adding and removing members, and answering requests to join.
pub fn can_manage_members(actor: &Actor, ch: &ChannelFacts) -> bool {
    can_manage_channel(actor, ch)
}

/// Naming managers and deputies: a channel's own managers (not a deputy,
/// whose cover would otherwise never end) and admins.
pub fn can_name_deputies(actor: &Actor, channel_id: i64) -> bool {
    actor.is_admin() || actor.is_manager_of(channel_id)
}

/// Anyone who can see a private-listed channel but is not in it may ask
/// to join (a hidden one is joined only by being added).
pub fn can_ask_to_join(_actor: &Actor, ch: &ChannelFacts) -> bool {
    ch.visibility == Visibility::PrivateListed && !ch.is_member && !ch.archived
}

/// Members leave a private channel when they like; from their next request
/// on they read nothing of it.
pub fn can_leave(_actor: &Actor, ch: &ChannelFacts) -> bool {
    ch.visibility.is_private() && ch.is_member
}

/// Managers, curators and admins pin posts at the top of a channel and
/// announce them to its followers, in a channel they can read that takes
/// changes.
pub fn can_pin(actor: &Actor, ch: &ChannelFacts) -> bool {
    (ch.is_manager || actor.has(Role::Curator) || actor.is_admin()) && can_read_channel(actor, ch) && !ch.archived
}

pub fn can_announce(actor: &Actor, ch: &ChannelFacts) -> bool {
    can_pin(actor, ch)
}

/// Managers and curators (and admins) pick posts for the week's digest.
pub fn can_feature(actor: &Actor, ch: &ChannelFacts) -> bool {
    (ch.is_manager || can_curate(actor)) && can_read_channel(actor, ch)
}

/// How many posts a channel keeps pinned at its top.
pub const MAX_PINS: usize = 3;

/// Admins choose which channels email-only digest subscribers may have.
pub fn can_offer_to_subscribers(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Only an open channel may be offered to email-only subscribers: what
/// only members read never leaves for people without an account.
pub fn may_be_offered(ch: &ChannelFacts) -> bool {
    ch.visibility == Visibility::Open
}

/// What an email-only subscriber (no account, outside the organisation)
/// may read, decided each time it is sent: a channel still open, not
/// archived, and still offered to them.
pub fn outsider_may_read(ch: &ChannelFacts, offered: bool) -> bool {
    offered && may_be_offered(ch) && !ch.archived
}

pub fn can_manage_people(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Admins keep the lists of approved and blocked sites.
pub fn can_manage_sites(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Admins see how the digest's sending went and let mail go again to
/// addresses the mail server refused.
pub fn can_oversee_mail(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Curators (and admins) follow feeds, triage the inbox and schedule shares.
pub fn can_curate(actor: &Actor) -> bool {
    actor.has(Role::Curator) || actor.is_admin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64) -> Actor {
        Actor::reader(id, vec![], vec![])
    }

    fn with(id: i64, role: Role) -> Actor {
        Actor::reader(id, vec![role], vec![])
    }

    fn admin(id: i64) -> Actor {
        with(id, Role::Admin)
    }

    const OPEN: ChannelFacts = ChannelFacts {
        visibility: Visibility::Open,
        archived: false,
        is_member: false,
        is_manager: false,
    };
    const ARCHIVED: ChannelFacts = ChannelFacts {
        visibility: Visibility::Open,
        archived: true,
        is_member: false,
        is_manager: false,
    };
    const PRIVATE: ChannelFacts = ChannelFacts {
        visibility: Visibility::PrivateListed,
        archived: false,
        is_member: false,
        is_manager: false,
    };

    fn by(author: i64) -> ContentFacts {
        ContentFacts {
            author_id: author,
            deleted: false,
            hidden: false,
            scheduled: false,
        }
    }

    #[test]
    fn scheduled_posts_are_the_authors_alone_until_published() {
        let later = ContentFacts {
            scheduled: true,
            ..by(1)
        };
        assert!(can_read_content(&member(1), &OPEN, &later));
        assert!(!can_read_content(&member(2), &OPEN, &later));
        assert!(!can_read_content(&admin(2), &OPEN, &later));
        assert!(!can_reply_in(&member(1), &OPEN, &later));
    }

    #[test]
    fn curators_and_admins_curate() {
        assert!(!can_curate(&member(1)));
        assert!(can_curate(&admin(1)));
        assert!(can_curate(&with(1, Role::Curator)));
    }

    #[test]
    fn posting_in_open_channels_takes_a_licence() {
        assert_eq!(may_post_in(&member(1), &OPEN), Err(Refusal::LicenceNeeded));
        for role in [Role::Contributor, Role::Curator, Role::Admin] {
            assert!(can_post_in(&with(1, role), &OPEN), "{role}");
        }
        for role in [Role::Moderator, Role::Coordinator] {
            assert!(!can_post_in(&with(1, role), &OPEN), "{role} alone holds no licence");
        }
        let everyone = Actor {
            open_posting: true,
            ..member(1)
        };
        assert!(can_post_in(&everyone, &OPEN));
        // Working groups post among themselves without a licence.
        let joined = ChannelFacts {
            is_member: true,
            ..PRIVATE
        };
        assert!(can_post_in(&member(1), &joined));
        assert!(!can_post_in(&with(1, Role::Contributor), &PRIVATE));
    }

    #[test]
    fn guidelines_come_before_posting_and_replying_but_not_reading_or_reacting() {
        let pending = Actor {
            guidelines_pending: true,
            ..with(1, Role::Contributor)
        };
        assert_eq!(may_post_in(&pending, &OPEN), Err(Refusal::GuidelinesFirst));
        assert_eq!(may_reply_in(&pending, &OPEN, &by(2)), Err(Refusal::GuidelinesFirst));
        assert!(can_read_content(&pending, &OPEN, &by(2)));
        assert!(can_react(&pending, &OPEN, &by(2)));
        assert!(can_report(&pending, &OPEN, &by(2)));
    }

    #[test]
    fn hidden_content_is_seen_by_its_author_and_moderators_only() {
        let hidden = ContentFacts { hidden: true, ..by(1) };
        assert!(can_see_hidden(&member(1), &hidden));
        assert!(can_see_hidden(&with(2, Role::Moderator), &hidden));
        assert!(can_see_hidden(&admin(2), &hidden));
        assert!(!can_see_hidden(&with(2, Role::Coordinator), &hidden));
        assert!(!can_react(&member(2), &OPEN, &hidden));
    }

    #[test]
    fn nobody_reports_their_own_words() {
        assert!(can_report(&member(2), &OPEN, &by(1)));
        assert!(!can_report(&member(1), &OPEN, &by(1)));
        assert!(!can_report(&member(2), &PRIVATE, &by(1)), "cannot read it");
    }

    #[test]
    fn the_named_roles_do_their_own_work() {
        assert!(can_moderate(&with(1, Role::Moderator)) && !can_moderate(&with(1, Role::Coordinator)));
        assert!(can_coordinate(&with(1, Role::Coordinator)) && !can_coordinate(&with(1, Role::Moderator)));
        assert!(can_read_audit(&with(1, Role::Moderator)) && !can_read_audit(&with(1, Role::Curator)));
        assert!(!can_moderate(&member(1)) && !can_coordinate(&member(1)));
    }

    #[test]
    fn only_author_edits() {
        assert!(can_edit(&member(1), &OPEN, &by(1)));
        assert!(!can_edit(&member(2), &OPEN, &by(1)));
        assert!(!can_edit(&admin(2), &OPEN, &by(1)));
    }

    #[test]
    fn admin_or_author_deletes() {
        assert!(can_delete(&member(1), &OPEN, &by(1)));
        assert!(!can_delete(&member(2), &OPEN, &by(1)));
        assert!(can_delete(&admin(2), &OPEN, &by(1)));
    }

    #[test]
    fn archived_is_read_only() {
        assert!(can_read_channel(&member(1), &ARCHIVED));
        assert!(!can_post_in(&member(1), &ARCHIVED));
        assert!(!can_reply_in(&member(1), &ARCHIVED, &by(1)));
        assert!(!can_edit(&member(1), &ARCHIVED, &by(1)));
        assert!(!can_delete(&admin(2), &ARCHIVED, &by(1)));
    }

    #[test]
    fn private_needs_membership_even_for_admins() {
        assert!(!can_read_channel(&admin(1), &PRIVATE));
        let joined = ChannelFacts {
            is_member: true,
            ..PRIVATE
        };
        assert!(can_read_channel(&member(1), &joined));
    }

    #[test]
    fn outsiders_read_only_offered_open_live_channels() {
        assert!(outsider_may_read(&OPEN, true));
        assert!(!outsider_may_read(&OPEN, false), "not offered");
        assert!(!outsider_may_read(&ARCHIVED, true), "archived");
        assert!(!outsider_may_read(&PRIVATE, true), "private, even if marked");
        let joined = ChannelFacts {
            is_member: true,
            ..PRIVATE
        };
        assert!(!outsider_may_read(&joined, true));
        assert!(!may_be_offered(&PRIVATE) && may_be_offered(&OPEN));
        assert!(can_offer_to_subscribers(&admin(1)) && !can_offer_to_subscribers(&member(1)));
    }

    fn steward(id: i64, channel_id: i64, until: Option<chrono::DateTime<Utc>>) -> Actor {
        Actor {
            manages: vec![Stewardship { channel_id, until }],
            channels: vec![channel_id],
            ..member(id)
        }
    }

    fn facts_for(actor: &Actor, visibility: Visibility, channel_id: i64) -> ChannelFacts {
        ChannelFacts {
            visibility,
            archived: false,
            is_member: actor.is_member_of(channel_id),
            is_manager: actor.manages(channel_id),
        }
    }

    #[test]
    fn a_deputys_rights_end_by_themselves_at_the_end_date() {
        use chrono::TimeZone;
        let end = Utc.with_ymd_and_hms(2026, 6, 12, 23, 0, 0).unwrap();
        let before = Actor {
            at: end - chrono::Duration::minutes(1),
            ..steward(5, 9, Some(end))
        };
        let after = Actor {
            at: end,
            ..before.clone()
        };
        let ch = facts_for(&before, Visibility::PrivateListed, 9);
        assert!(can_manage_members(&before, &ch));
        assert!(can_pin(&before, &ch) && can_feature(&before, &ch));
        assert!(!can_name_deputies(&before, 9), "a deputy does not name deputies");
        let ch = facts_for(&after, Visibility::PrivateListed, 9);
        assert!(!ch.is_manager);
        assert!(!can_manage_members(&after, &ch));
        assert!(!can_pin(&after, &ch));
        assert!(can_read_channel(&after, &ch), "still a member after the cover ends");
        // A manager's rights do not lapse, and only for their channel.
        let manager = steward(6, 9, None);
        assert!(can_name_deputies(&manager, 9) && !can_name_deputies(&manager, 10));
        let other = facts_for(&manager, Visibility::Open, 10);
        assert!(!can_manage_channel(&manager, &other) && !can_pin(&manager, &other));
    }

    #[test]
    fn outsiders_ask_to_join_listed_groups_and_members_leave() {
        let outsider = member(1);
        let listed = facts_for(&outsider, Visibility::PrivateListed, 9);
        assert!(can_ask_to_join(&outsider, &listed));
        assert!(!can_read_channel(&outsider, &listed) && !can_see_members(&outsider, &listed));
        assert!(!can_ask_to_join(
            &outsider,
            &facts_for(&outsider, Visibility::PrivateHidden, 9)
        ));
        assert!(!can_ask_to_join(&outsider, &OPEN));
        let inside = Actor {
            channels: vec![9],
            ..member(1)
        };
        let joined = facts_for(&inside, Visibility::PrivateListed, 9);
        assert!(!can_ask_to_join(&inside, &joined) && can_leave(&inside, &joined));
        assert!(!can_leave(&inside, &OPEN), "open channels are unfollowed, not left");
        assert!(!can_manage_members(&inside, &joined), "members do not run it");
        assert!(can_manage_members(&admin(2), &joined));
    }

    #[test]
    fn unknown_visibility_is_private() {
        assert_eq!(Visibility::parse("weird"), Visibility::PrivateHidden);
    }
}
