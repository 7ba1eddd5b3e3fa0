//! What the audit log records: who did what to which thing. Actions and
//! targets are typed here and written as short stable strings
//! (`post.delete`, `post:42`) that people and tools can read.

use std::fmt;

/// Something done that an administrator may need to account for later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    UserCreate,
    /// Suspended: signed out everywhere at once, and can no longer sign in.
    UserSuspend,
    UserReactivate,
    /// Roles given or taken away.
    UserRoles,
    /// Changed their own password (every other session ended).
    PasswordChange,
    /// Chose a new password by a reset link (every session ended).
    PasswordReset,
    /// An administrator emailed someone a password reset link.
    ResetLinkSent,
    SessionsRevokeOthers,
    InviteCreate,
    InviteWithdraw,
    SignupRequest,
    ChannelCreate,
    ChannelArchive,
    ChannelUnarchive,
    ChannelVisibility,
    ChannelDigestOpen,
    ChannelMemberAdd,
    ChannelMemberRemove,
    /// A channel's name or purpose changed.
    ChannelEdit,
    /// Someone asked to join a private channel.
    ChannelJoinAsk,
    /// A request to join accepted: the person is a member.
    ChannelJoinAccept,
    /// A request to join declined.
    ChannelJoinDecline,
    /// A member left a private channel.
    ChannelLeave,
    /// Someone named a channel's manager, or its deputy until a date.
    ChannelStewardName,
    /// A manager or deputy stood down.
    ChannelStewardRemove,
    PostPin,
    PostUnpin,
    /// A post announced to its channel's followers.
    PostAnnounce,
    PostUnannounce,
    PostDelete,
    PostRestore,
    PostHide,
    PostUnhide,
    ReplyDelete,
    ReplyRestore,
    ReplyHide,
    ReplyUnhide,
    /// Reports on an item closed with no action.
    ReportDismiss,
    /// A moderator's warning the person must acknowledge.
    UserWarn,
    /// A compromised account stopped: suspended, signed out, recent content hidden.
    BreakGlass,
    /// A break glass undone: content shown again, account reactivated.
    BreakGlassUndo,
    /// A new version of the community guidelines.
    GuidelinesPublish,
    /// A licence application approved: the applicant became a contributor.
    ApplicationApprove,
    /// A licence application declined, with the reason.
    ApplicationDecline,
    /// A channel request approved: the channel exists, with its manager.
    ChannelRequestApprove,
    /// A channel request declined, with the reason.
    ChannelRequestDecline,
    SiteBlock,
    SiteApprove,
    SiteUnlist,
    /// Mail may go again to an address the mail server had refused.
    RefusalClear,
}

impl AuditAction {
    /// Every action, for filters.
    pub const ALL: [AuditAction; 50] = [
        AuditAction::UserCreate,
        AuditAction::UserSuspend,
        AuditAction::UserReactivate,
        AuditAction::UserRoles,
        AuditAction::PasswordChange,
        AuditAction::PasswordReset,
        AuditAction::ResetLinkSent,
        AuditAction::SessionsRevokeOthers,
        AuditAction::InviteCreate,
        AuditAction::InviteWithdraw,
        AuditAction::SignupRequest,
        AuditAction::ChannelCreate,
        AuditAction::ChannelArchive,
        AuditAction::ChannelUnarchive,
        AuditAction::ChannelVisibility,
        AuditAction::ChannelDigestOpen,
        AuditAction::ChannelMemberAdd,
        AuditAction::ChannelMemberRemove,
        AuditAction::ChannelEdit,
        AuditAction::ChannelJoinAsk,
        AuditAction::ChannelJoinAccept,
        AuditAction::ChannelJoinDecline,
        AuditAction::ChannelLeave,
        AuditAction::ChannelStewardName,
        AuditAction::ChannelStewardRemove,
        AuditAction::PostPin,
        AuditAction::PostUnpin,
        AuditAction::PostAnnounce,
        AuditAction::PostUnannounce,
        AuditAction::PostDelete,
        AuditAction::PostRestore,
        AuditAction::PostHide,
        AuditAction::PostUnhide,
        AuditAction::ReplyDelete,
        AuditAction::ReplyRestore,
        AuditAction::ReplyHide,
        AuditAction::ReplyUnhide,
        AuditAction::ReportDismiss,
        AuditAction::UserWarn,
        AuditAction::BreakGlass,
        AuditAction::BreakGlassUndo,
        AuditAction::GuidelinesPublish,
        AuditAction::ApplicationApprove,
        AuditAction::ApplicationDecline,
        AuditAction::ChannelRequestApprove,
        AuditAction::ChannelRequestDecline,
        AuditAction::SiteBlock,
        AuditAction::SiteApprove,
        AuditAction::SiteUnlist,
        AuditAction::RefusalClear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserCreate => "user.create",
            AuditAction::UserSuspend => "user.suspend",
            AuditAction::UserReactivate => "user.reactivate",
            AuditAction::UserRoles => "user.roles",
            AuditAction::PasswordChange => "user.password",
            AuditAction::PasswordReset => "user.password_reset",
            AuditAction::ResetLinkSent => "user.reset_link_sent",
            AuditAction::SessionsRevokeOthers => "sessions.revoke_others",
            AuditAction::InviteCreate => "invite.create",
            AuditAction::InviteWithdraw => "invite.withdraw",
            AuditAction::SignupRequest => "signup.request",
            AuditAction::ChannelCreate => "channel.create",
            AuditAction::ChannelArchive => "channel.archive",
            AuditAction::ChannelUnarchive => "channel.unarchive",
            AuditAction::ChannelVisibility => "channel.visibility",
            AuditAction::ChannelDigestOpen => "channel.digest_open",
            AuditAction::ChannelMemberAdd => "channel.member.add",
            AuditAction::ChannelMemberRemove => "channel.member.remove",
            AuditAction::ChannelEdit => "channel.edit",
            AuditAction::ChannelJoinAsk => "channel.join.ask",
            AuditAction::ChannelJoinAccept => "channel.join.accept",
            AuditAction::ChannelJoinDecline => "channel.join.decline",
            AuditAction::ChannelLeave => "channel.leave",
            AuditAction::ChannelStewardName => "channel.steward.name",
            AuditAction::ChannelStewardRemove => "channel.steward.remove",
            AuditAction::PostPin => "post.pin",
            AuditAction::PostUnpin => "post.unpin",
            AuditAction::PostAnnounce => "post.announce",
            AuditAction::PostUnannounce => "post.unannounce",
            AuditAction::PostDelete => "post.delete",
            AuditAction::PostRestore => "post.restore",
            AuditAction::PostHide => "post.hide",
            AuditAction::PostUnhide => "post.unhide",
            AuditAction::ReplyDelete => "reply.delete",
            AuditAction::ReplyRestore => "reply.restore",
            AuditAction::ReplyHide => "reply.hide",
            AuditAction::ReplyUnhide => "reply.unhide",
            AuditAction::ReportDismiss => "report.dismiss",
            AuditAction::UserWarn => "user.warn",
            AuditAction::BreakGlass => "user.break_glass",
            AuditAction::BreakGlassUndo => "user.break_glass.undo",
            AuditAction::GuidelinesPublish => "guidelines.publish",
            AuditAction::ApplicationApprove => "application.approve",
            AuditAction::ApplicationDecline => "application.decline",
            AuditAction::ChannelRequestApprove => "channel_request.approve",
            AuditAction::ChannelRequestDecline => "channel_request.decline",
            AuditAction::SiteBlock => "site.blocked",
            AuditAction::SiteApprove => "site.approved",
            AuditAction::SiteUnlist => "site.unlist",
            AuditAction::RefusalClear => "mail.refusal.clear",
        }
    }
}

impl AuditAction {
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// The thing an action was done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    User(i64),
    Invite(i64),
    Channel(i64),
    Post(i64),
    Reply(i64),
    /// A site on the blocked or approved list, by domain.
    Site(String),
    /// An email address, e.g. one the mail server refused.
    Address(String),
    /// A version of the community guidelines.
    Guidelines(i32),
    /// A licence application.
    Application(i64),
    /// A request for a new channel.
    ChannelRequest(i64),
}

impl fmt::Display for AuditTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditTarget::User(id) => write!(f, "user:{id}"),
            AuditTarget::Invite(id) => write!(f, "invite:{id}"),
            AuditTarget::Channel(id) => write!(f, "channel:{id}"),
            AuditTarget::Post(id) => write!(f, "post:{id}"),
            AuditTarget::Reply(id) => write!(f, "reply:{id}"),
            AuditTarget::Site(domain) => f.write_str(domain),
            AuditTarget::Address(email) => write!(f, "address:{email}"),
            AuditTarget::Guidelines(version) => write!(f, "guidelines:{version}"),
            AuditTarget::Application(id) => write!(f, "application:{id}"),
            AuditTarget::ChannelRequest(id) => write!(f, "channel_request:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_action_reads_back_from_its_own_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(
            AuditAction::parse("user.password_reset"),
            Some(AuditAction::PasswordReset)
        );
        assert_eq!(AuditAction::parse("user.reset"), None);
    }
}
