//! The permission matrix: every role × channel kind × action, tried over
//! HTTP. What each cell should answer is written out below from the
//! community model's rules, independently of `domain/policy.rs`: a denied
//! cell answers 404 for what the person may not see and 403 for what they
//! may see but not do, and changes nothing in the database; an allowed one
//! changes what it says. Approving a licence application and exporting the
//! registers are the coordinators' (and administrators'), whatever the channel.

use chrono::{DateTime, Utc};
use commonroom::domain::application::LicenceApplication;
use commonroom::domain::policy::Visibility;
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use commonroom::store::{applications, channels, groups, guidelines, posts};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{Browser, TestApp, location};
use crate::on_both_backends;

on_both_backends!(every_role_channel_and_action_answers_as_the_community_model_says);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Member,
    Contributor,
    Curator,
    Moderator,
    Coordinator,
    Admin,
    Suspended,
    /// A contributor who has not accepted the current guidelines.
    NotAccepted,
}

const EVERYONE: [Who; 8] = [
    Who::Member,
    Who::Contributor,
    Who::Curator,
    Who::Moderator,
    Who::Coordinator,
    Who::Admin,
    Who::Suspended,
    Who::NotAccepted,
];

impl Who {
    fn handle(self) -> &'static str {
        match self {
            Who::Member => "m.member",
            Who::Contributor => "m.contributor",
            Who::Curator => "m.curator",
            Who::Moderator => "m.moderator",
            Who::Coordinator => "m.coordinator",
            Who::Admin => "m.admin",
            Who::Suspended => "m.suspended",
            Who::NotAccepted => "m.pending",
        }
    }

    fn role(self) -> Role {
        match self {
            Who::Member | Who::Suspended => Role::Member,
            Who::Contributor | Who::NotAccepted => Role::Contributor,
            Who::Curator => Role::Curator,
            Who::Moderator => Role::Moderator,
            Who::Coordinator => Role::Coordinator,
            Who::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    PrivateListed,
    PrivateHidden,
    Archived,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::Open => "open",
            Kind::PrivateListed => "listed",
            Kind::PrivateHidden => "hidden",
            Kind::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    View,
    Post,
    Reply,
    React,
    EditOwn,
    DeleteOwn,
    EditOthers,
    DeleteOthers,
    Report,
    Hide,
    Restore,
    ReadAudit,
    /// Approve a waiting licence application.
    Approve,
    /// Download the register of contributors.
    ExportRegisters,
}

const ACTIONS: [Action; 14] = [
    Action::View,
    Action::Post,
    Action::Reply,
    Action::React,
    Action::EditOwn,
    Action::DeleteOwn,
    Action::EditOthers,
    Action::DeleteOthers,
    Action::Report,
    Action::Hide,
    Action::Restore,
    Action::ReadAudit,
    Action::Approve,
    Action::ExportRegisters,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    NotFound,
    Forbidden,
    /// Sent to sign in: a suspended account has no session.
    SignedOut,
}

/// The rules, as the community model states them. Nobody in the matrix is a
/// member of the private channels (their own content there dates from when
/// they were), so those channels are not there for any of them.
fn expected(who: Who, kind: Kind, action: Action) -> Outcome {
    use Outcome::*;
    if who == Who::Suspended {
        return SignedOut;
    }
    let moderates = matches!(who, Who::Moderator | Who::Admin);
    let coordinates = matches!(who, Who::Coordinator | Who::Admin);
    let readable = matches!(kind, Kind::Open | Kind::Archived);
    let archived = kind == Kind::Archived;
    let licensed = matches!(who, Who::Contributor | Who::Curator | Who::Admin);
    let unless = |allowed: bool| if allowed { Done } else { Forbidden };
    match action {
        Action::ReadAudit => unless(moderates),
        Action::Approve | Action::ExportRegisters => unless(coordinates),
        // The moderation routes are moderators' alone, whatever they name.
        Action::Hide | Action::Restore if !moderates => Forbidden,
        _ if !readable => NotFound,
        Action::View | Action::Report => Done,
        Action::Hide | Action::Restore => Done,
        Action::Post => unless(!archived && licensed),
        Action::Reply => unless(!archived && who != Who::NotAccepted),
        Action::React | Action::EditOwn | Action::DeleteOwn => unless(!archived),
        Action::EditOthers => Forbidden,
        Action::DeleteOthers => unless(!archived && who == Who::Admin),
    }
}

/// What a cell may change, read before and after it.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM posts",
        "SELECT COUNT(*) FROM posts WHERE deleted_at IS NOT NULL",
        "SELECT COUNT(*) FROM posts WHERE hidden_at IS NOT NULL",
        "SELECT COUNT(*) FROM posts WHERE edited_at IS NOT NULL",
        "SELECT COUNT(*) FROM replies",
        "SELECT COUNT(*) FROM post_reactions",
        "SELECT COUNT(*) FROM reports",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM notices",
        "SELECT COUNT(*) FROM users WHERE status = 'active'",
        "SELECT COUNT(*) FROM licence_applications WHERE status = 'pending'",
        "SELECT COUNT(*) FROM user_roles",
    ] {
        counts.push(app.sql_i64(sql).await);
    }
    counts
}

struct World {
    author: i64,
    /// The open channel, which licences are asked for.
    open: i64,
    channels: Vec<(Kind, i64)>,
    people: Vec<(Who, i64, Browser)>,
}

async fn post_by(app: &TestApp, author: i64, channel: i64, title: &str) -> i64 {
    let draft = PostDraft::parse("discussion", title, "", "Words to act on.").expect("draft");
    let at = commonroom::domain::time::now() - chrono::Duration::minutes(5);
    posts::create_at(&app.db, author, channel, &draft, at)
        .await
        .expect("post")
}

async fn world(app: &TestApp) -> World {
    let admin = app.signed_in("setup.admin", Role::Admin).await;
    let author = app.sql_i64("SELECT id FROM users WHERE handle = 'setup.admin'").await;
    for (name, slug, visibility) in [
        ("Open", "open", "open"),
        ("Listed", "listed", "private-listed"),
        ("Hidden", "hidden", "private-hidden"),
        ("Archived", "archived", "open"),
    ] {
        let r = admin
            .post(
                "/channels",
                &[("name", name), ("slug", slug), ("visibility", visibility)],
            )
            .await;
        assert_eq!(r.status(), 303, "create {slug}");
    }
    let mut channels = Vec::new();
    for kind in [Kind::Open, Kind::PrivateListed, Kind::PrivateHidden, Kind::Archived] {
        let id = app
            .sql_i64(&format!("SELECT id FROM channels WHERE slug = '{}'", kind.slug()))
            .await;
        channels.push((kind, id));
    }
    let r = admin.post("/c/archived/archive", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303, "archive");

    // Guidelines in force, accepted by everyone but the one who has not yet.
    let version = guidelines::publish(&app.db, Some(author), "Be kind.", "<p>Be kind.</p>", "")
        .await
        .expect("guidelines");
    let mut people = Vec::new();
    for who in EVERYONE {
        let browser = app.signed_in(who.handle(), who.role()).await;
        let id = app
            .sql_i64(&format!("SELECT id FROM users WHERE handle = '{}'", who.handle()))
            .await;
        if who != Who::NotAccepted {
            guidelines::accept(&app.db, id, version).await.expect("accept");
        }
        people.push((who, id, browser));
    }
    guidelines::accept(&app.db, author, version).await.expect("accept");
    // Suspended with its browser still holding its session cookie.
    app.exec("UPDATE users SET status = 'suspended' WHERE handle = 'm.suspended'")
        .await;
    World {
        author,
        open: channels[0].1,
        channels,
        people,
    }
}

async fn try_cell(app: &TestApp, w: &World, person: &(Who, i64, Browser), kind: Kind, channel: i64, action: Action) {
    let (who, me, browser) = (person.0, person.1, &person.2);
    let other = post_by(app, w.author, channel, "Someone else's").await;
    let own = post_by(app, me, channel, "My own").await;
    let hidden = post_by(app, w.author, channel, "Hidden one").await;
    app.exec(&format!(
        "UPDATE posts SET hidden_at = created_at, hidden_reason = 'test' WHERE id = {hidden}"
    ))
    .await;
    // Someone waiting for a licence, for the approving cell.
    let application = if action == Action::Approve {
        let applicant = app
            .create_user(&format!("ap.{}.{}", who.handle(), kind.slug()), Role::Member)
            .await;
        let form = LicenceApplication::parse("To post news.", &[w.open.to_string()], "yes", "Pat Lee").expect("form");
        applications::add_application(&app.db, applicant, &form)
            .await
            .expect("application")
            .expect("waiting")
    } else {
        0
    };
    let slug = kind.slug();
    let edit = |id: i64| format!("/p/{id}/edit");
    let post_form: Vec<(&str, &str)> = vec![
        ("kind", "discussion"),
        ("title", "Changed"),
        ("url", ""),
        ("body", "New words"),
    ];
    let before = snapshot(app).await;
    let response = match action {
        Action::View => browser.get(&format!("/p/{other}")).await,
        Action::Post => browser.post(&format!("/c/{slug}/posts"), &post_form).await,
        Action::Reply => {
            browser
                .post(&format!("/p/{other}/replies"), &[("body", "A reply")])
                .await
        }
        Action::React => browser.post(&format!("/p/{other}/react"), &[("kind", "like")]).await,
        Action::EditOwn => browser.post(&edit(own), &post_form).await,
        Action::DeleteOwn => browser.post(&format!("/p/{own}/delete"), &[("confirm", "yes")]).await,
        Action::EditOthers => browser.post(&edit(other), &post_form).await,
        Action::DeleteOthers => browser.post(&format!("/p/{other}/delete"), &[("confirm", "yes")]).await,
        Action::Report => {
            browser
                .post(
                    &format!("/p/{other}/report"),
                    &[("reason", "bullying"), ("details", "")],
                )
                .await
        }
        Action::Hide => {
            browser
                .post(&format!("/moderation/post/{other}/hide"), &[("reason", "Matrix")])
                .await
        }
        Action::Restore => browser.post(&format!("/moderation/post/{hidden}/restore"), &[]).await,
        Action::ReadAudit => browser.get("/audit").await,
        Action::Approve => browser.post(&format!("/applications/{application}/approve"), &[]).await,
        Action::ExportRegisters => browser.get("/register/contributors.csv").await,
    };
    let after = snapshot(app).await;
    let want = expected(who, kind, action);
    let cell = format!("{who:?} × {kind:?} × {action:?}");
    let status = response.status().as_u16();
    let reading = matches!(action, Action::View | Action::ReadAudit | Action::ExportRegisters);
    match want {
        Outcome::Done => {
            assert_eq!(status, if reading { 200 } else { 303 }, "{cell}: allowed");
            if !reading {
                assert_ne!(before, after, "{cell}: allowed, so something changed");
            }
        }
        Outcome::SignedOut => {
            assert_eq!(status, 303, "{cell}: signed out");
            assert!(location(&response).starts_with("/login"), "{cell}: to sign in");
        }
        Outcome::NotFound => assert_eq!(status, 404, "{cell}: not there for them"),
        Outcome::Forbidden => assert_eq!(status, 403, "{cell}: seen but not allowed"),
    }
    if want != Outcome::Done {
        assert_eq!(before, after, "{cell}: refused, so nothing changed");
    }
}

async fn every_role_channel_and_action_answers_as_the_community_model_says(app: TestApp) {
    let w = world(&app).await;
    let mut cells = 0;
    for person in &w.people {
        for (kind, channel) in &w.channels {
            for action in ACTIONS {
                try_cell(&app, &w, person, *kind, *channel, action).await;
                cells += 1;
            }
        }
    }
    assert_eq!(cells, EVERYONE.len() * 4 * ACTIONS.len());
}

// ---------------------------------------------------------------------------
// Working groups: how each relationship to a private channel answers.

on_both_backends!(every_relationship_to_a_working_group_answers_as_issue_17_says);

/// How someone stands towards a working group (every one of them stands so
/// towards both of the matrix's groups, the listed one and the hidden one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    /// Never in it.
    Outsider,
    Member,
    /// Was a member; a manager took them out.
    Removed,
    /// Was a member, and left.
    Left,
    /// Asked to join (while it was listed); nobody has answered.
    Requester,
    /// Named a manager by the one who created it.
    Manager,
    /// Covering for a manager, the last day still ahead.
    Deputy,
    /// Was a deputy; the last day has passed. Still a member.
    LapsedDeputy,
    /// A curator who is not a member.
    OutsideCurator,
    /// An administrator who is not a member.
    OutsideAdmin,
}

const RELATIONSHIPS: [Rel; 10] = [
    Rel::Outsider,
    Rel::Member,
    Rel::Removed,
    Rel::Left,
    Rel::Requester,
    Rel::Manager,
    Rel::Deputy,
    Rel::LapsedDeputy,
    Rel::OutsideCurator,
    Rel::OutsideAdmin,
];

impl Rel {
    fn handle(self) -> &'static str {
        match self {
            Rel::Outsider => "g.outsider",
            Rel::Member => "g.member",
            Rel::Removed => "g.removed",
            Rel::Left => "g.left",
            Rel::Requester => "g.requester",
            Rel::Manager => "g.manager",
            Rel::Deputy => "g.deputy",
            Rel::LapsedDeputy => "g.lapsed",
            Rel::OutsideCurator => "g.curator",
            Rel::OutsideAdmin => "g.admin",
        }
    }

    fn role(self) -> Role {
        match self {
            Rel::OutsideCurator => Role::Curator,
            Rel::OutsideAdmin => Role::Admin,
            _ => Role::Member,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Listed,
    Hidden,
}

impl Group {
    fn slug(self) -> &'static str {
        match self {
            Group::Listed => "listed",
            Group::Hidden => "hidden",
        }
    }

    fn visibility(self) -> Visibility {
        match self {
            Group::Listed => Visibility::PrivateListed,
            Group::Hidden => Visibility::PrivateHidden,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupAction {
    /// `/c/{slug}`: the channel's page, or a listed group's lobby.
    ViewChannel,
    ViewPost,
    Post,
    Reply,
    React,
    /// The search page and `/api/search` find a post of the group's.
    Search,
    SeeMembers,
    AddMember,
    RemoveMember,
    AcceptRequest,
    DeclineRequest,
    AskToJoin,
    WithdrawRequest,
    Leave,
    EditDetails,
    ChangeVisibility,
    NameManager,
    NameDeputy,
    Pin,
    Announce,
    Feature,
}

const GROUP_ACTIONS: [GroupAction; 21] = [
    GroupAction::ViewChannel,
    GroupAction::ViewPost,
    GroupAction::Post,
    GroupAction::Reply,
    GroupAction::React,
    GroupAction::Search,
    GroupAction::SeeMembers,
    GroupAction::AddMember,
    GroupAction::RemoveMember,
    GroupAction::AcceptRequest,
    GroupAction::DeclineRequest,
    GroupAction::AskToJoin,
    GroupAction::WithdrawRequest,
    GroupAction::Leave,
    GroupAction::EditDetails,
    GroupAction::ChangeVisibility,
    GroupAction::NameManager,
    GroupAction::NameDeputy,
    GroupAction::Pin,
    GroupAction::Announce,
    GroupAction::Feature,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Allowed: a page (200) for a reading, a redirect (303) that changed
    /// something for a writing, a hit for a search.
    Done,
    /// The lobby of a listed group: its purpose and managers, no posts, no counts.
    Lobby,
    /// Not there for them: 404 (for a search, no hit).
    NotFound,
    /// Seen, not allowed: 403.
    Forbidden,
    /// Answered with a redirect, nothing to do: a second request to join,
    /// or withdrawing a request nobody made.
    Unchanged,
}

/// The rules of issue 17 and the policy's doc comments, written out again:
/// members read, post (no licence needed in a working group), reply and
/// react; non-members get 404 for everything inside, and of a listed group
/// the lobby, where they may ask to join; a hidden group is joined only by
/// being added. Managers (a deputy until the end of their last day) and
/// administrators run a group: members, requests, name, purpose and
/// visibility; managers in their own right and administrators name
/// managers and deputies. Managers, deputies within their cover, curators
/// and administrators pin and announce, managers and curators feature, all
/// only where they can read. Members leave.
fn answer(rel: Rel, group: Group, action: GroupAction) -> Answer {
    use Answer::*;
    let member = matches!(rel, Rel::Member | Rel::Manager | Rel::Deputy | Rel::LapsedDeputy);
    let runs = matches!(rel, Rel::Manager | Rel::Deputy);
    let admin = rel == Rel::OutsideAdmin;
    let listed = group == Group::Listed;
    // Someone outside it: a listed group's lobby is all there is.
    let inside = |allowed: bool| {
        if allowed {
            Done
        } else if member {
            Forbidden
        } else {
            NotFound
        }
    };
    match action {
        GroupAction::ViewChannel if member => Done,
        GroupAction::ViewChannel if listed => Lobby,
        GroupAction::ViewChannel => NotFound,
        GroupAction::ViewPost | GroupAction::Post | GroupAction::Reply | GroupAction::React | GroupAction::Search => {
            inside(member)
        }
        GroupAction::Leave => inside(member),
        // The member list and the work of running the group are also the
        // administrators', member or not.
        GroupAction::SeeMembers => {
            if member || admin {
                Done
            } else {
                NotFound
            }
        }
        GroupAction::AddMember
        | GroupAction::RemoveMember
        | GroupAction::AcceptRequest
        | GroupAction::DeclineRequest
        | GroupAction::EditDetails
        | GroupAction::ChangeVisibility => {
            if runs || admin {
                Done
            } else {
                inside(false)
            }
        }
        GroupAction::NameManager | GroupAction::NameDeputy => {
            if rel == Rel::Manager || admin {
                Done
            } else {
                inside(false)
            }
        }
        GroupAction::Pin | GroupAction::Announce | GroupAction::Feature => inside(runs),
        GroupAction::AskToJoin if member => Forbidden,
        GroupAction::AskToJoin if !listed => NotFound,
        GroupAction::AskToJoin if rel == Rel::Requester => Unchanged,
        GroupAction::AskToJoin => Done,
        GroupAction::WithdrawRequest if !listed && !member => NotFound,
        GroupAction::WithdrawRequest if rel == Rel::Requester => Done,
        GroupAction::WithdrawRequest => Unchanged,
    }
}

/// What a working-group cell may change, read before and after it.
async fn group_snapshot(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM posts",
        "SELECT COUNT(*) FROM replies",
        "SELECT COUNT(*) FROM post_reactions",
        "SELECT COUNT(*) FROM channel_members",
        "SELECT COUNT(*) FROM channel_follows",
        "SELECT COUNT(*) FROM channel_managers",
        "SELECT COUNT(*) FROM channel_managers WHERE until IS NOT NULL",
        "SELECT COUNT(*) FROM join_requests WHERE status = 'pending'",
        "SELECT COUNT(*) FROM join_requests WHERE status = 'accepted'",
        "SELECT COUNT(*) FROM join_requests WHERE status = 'declined'",
        "SELECT COUNT(*) FROM join_requests WHERE status = 'withdrawn'",
        "SELECT COUNT(*) FROM channel_pins",
        "SELECT COUNT(*) FROM announcements",
        "SELECT COUNT(*) FROM digest_features",
        "SELECT COUNT(*) FROM channels WHERE name LIKE 'Renamed%'",
        "SELECT COUNT(*) FROM channels WHERE visibility = 'private-listed'",
        "SELECT COUNT(*) FROM audit_log",
    ] {
        counts.push(app.sql_i64(sql).await);
    }
    counts
}

struct Groups {
    admin: i64,
    groups: Vec<(Group, i64)>,
    people: Vec<(Rel, i64, Browser)>,
    /// Added by a manager, for the add-member cells (and taken out again).
    newcomer: i64,
    /// A member, for the remove-member cells (and put back).
    target: i64,
    /// Named manager or deputy by the cells that may (and stood down again).
    stand_in: i64,
    /// When the deputy's cover ends (ahead), and when the lapsed one's did.
    deputy_until: DateTime<Utc>,
    lapsed_until: DateTime<Utc>,
}

/// A day `days` from today where the organisation is, as a date field takes it.
fn local_day(app: &TestApp, days: i64) -> String {
    let tz = app.state.settings.curation.timezone;
    (commonroom::domain::time::now().with_timezone(&tz).date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Run one statement with a moment bound to its `?`.
async fn exec_at(app: &TestApp, text: &str, at: DateTime<Utc>) {
    let backend = app.db.get_database_backend();
    let text = if backend == sea_orm::DbBackend::Postgres {
        text.replace('?', "$1")
    } else {
        text.to_owned()
    };
    app.db
        .execute(Statement::from_sql_and_values(backend, text, [at.into()]))
        .await
        .expect("exec");
}

async fn see_other(response: reqwest::Response, what: &str) {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 303, "{what}: {body}");
}

/// Two working groups, listed and hidden, and for each relationship someone
/// standing so towards both, brought about over HTTP as people would.
async fn groups_world(app: &TestApp) -> Groups {
    let creator = app.signed_in("g.creator", Role::Admin).await;
    let admin = app.user_id("g.creator").await;
    let mut people = Vec::new();
    for rel in RELATIONSHIPS {
        let browser = app.signed_in(rel.handle(), rel.role()).await;
        people.push((rel, app.user_id(rel.handle()).await, browser));
    }
    let newcomer = app.create_user("g.newcomer", Role::Member).await;
    let target = app.create_user("g.target", Role::Member).await;
    let stand_in = app.create_user("g.stand.in", Role::Member).await;
    let person = |rel: Rel| &people.iter().find(|p| p.0 == rel).expect("person").2;
    let deputy_day = local_day(app, 5);
    let mut groups = Vec::new();
    for group in [Group::Listed, Group::Hidden] {
        let slug = group.slug();
        // Both start listed, so that someone can ask to join before the
        // hidden one is hidden.
        let r = creator
            .post(
                "/channels",
                &[
                    ("name", slug),
                    ("slug", slug),
                    ("description", "What the group is for."),
                    ("visibility", "private-listed"),
                ],
            )
            .await;
        see_other(r, "create").await;
        let id = app
            .sql_i64(&format!("SELECT id FROM channels WHERE slug = '{slug}'"))
            .await;
        groups.push((group, id));
        // Members who asked and were let in, and members who were added.
        for rel in [Rel::Member, Rel::Left, Rel::Manager, Rel::Deputy, Rel::LapsedDeputy] {
            let r = person(rel)
                .post(&format!("/c/{slug}/join"), &[("message", "Count me in.")])
                .await;
            see_other(r, "ask").await;
            let request = app
                .sql_i64(&format!(
                    "SELECT id FROM join_requests WHERE channel_id = {id} AND status = 'pending' \
                     AND user_id = (SELECT id FROM users WHERE handle = '{}')",
                    rel.handle()
                ))
                .await;
            let r = creator.post(&format!("/c/{slug}/requests/{request}/accept"), &[]).await;
            see_other(r, "accept").await;
        }
        for handle in ["@g.removed", "@g.target"] {
            let r = creator.post(&format!("/c/{slug}/members"), &[("handle", handle)]).await;
            see_other(r, "add").await;
        }
        let removed = people.iter().find(|p| p.0 == Rel::Removed).expect("removed").1;
        let r = creator
            .post(&format!("/c/{slug}/members/{removed}/remove"), &[("confirm", "yes")])
            .await;
        see_other(r, "remove").await;
        let r = person(Rel::Left)
            .post(&format!("/c/{slug}/leave"), &[("confirm", "yes")])
            .await;
        see_other(r, "leave").await;
        let r = person(Rel::Requester)
            .post(&format!("/c/{slug}/join"), &[("message", "May I?")])
            .await;
        see_other(r, "ask").await;
        let r = creator
            .post(&format!("/c/{slug}/managers"), &[("manager", "@g.manager")])
            .await;
        see_other(r, "name a manager").await;
        for deputy in ["@g.deputy", "@g.lapsed"] {
            let r = person(Rel::Manager)
                .post(
                    &format!("/c/{slug}/deputies"),
                    &[("deputy", deputy), ("until", deputy_day.as_str())],
                )
                .await;
            see_other(r, "name a deputy").await;
        }
        if group == Group::Hidden {
            let r = creator
                .post(&format!("/c/{slug}/visibility"), &[("visibility", "private-hidden")])
                .await;
            see_other(r, "hide").await;
        }
    }
    // The lapsed deputy's last day passes: two days ago, by the real clock.
    let lapsed_until = commonroom::domain::time::now() - chrono::Duration::days(2);
    exec_at(
        app,
        "UPDATE channel_managers SET until = ? WHERE user_id = (SELECT id FROM users WHERE handle = 'g.lapsed')",
        lapsed_until,
    )
    .await;
    let deputy_until =
        commonroom::domain::time::end_of_local_day(&deputy_day, app.state.settings.curation.timezone).expect("day");
    Groups {
        admin,
        groups,
        people,
        newcomer,
        target,
        stand_in,
        deputy_until,
        lapsed_until,
    }
}

/// A word to search for, of letters only, different for every cell.
fn token(n: usize) -> String {
    let mut n = n;
    let mut word = String::from("zq");
    loop {
        word.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break word;
        }
    }
}

/// Whether the search page and the JSON API both find the post (or neither does).
async fn finds(app: &TestApp, browser: &Browser, word: &str, post: i64) -> bool {
    app.search_settled().await;
    let r = browser.get(&format!("/api/search?q={word}")).await;
    assert_eq!(r.status(), 200, "api search");
    let v: serde_json::Value = r.json().await.expect("json");
    let in_api = v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .any(|h| h["id"] == post && h["kind"] != "reply" && h["kind"] != "channel");
    let page = browser.text(&format!("/search?q={word}")).await;
    let in_page = page.contains(&format!("href=\"/p/{post}\""));
    assert_eq!(in_api, in_page, "the page and the API agree on {word}");
    in_api
}

#[allow(clippy::too_many_arguments)]
async fn try_group_cell(
    app: &TestApp,
    g: &Groups,
    person: &(Rel, i64, Browser),
    group: Group,
    channel: i64,
    action: GroupAction,
    n: usize,
) {
    let (rel, browser) = (person.0, &person.2);
    let slug = group.slug();
    let word = token(n);
    let title = format!("Matrix note {word}");
    let other = post_by(app, g.admin, channel, &title).await;
    // Someone waiting, for the cells that answer a request.
    let request = if matches!(action, GroupAction::AcceptRequest | GroupAction::DeclineRequest) {
        let applicant = app.create_user(&format!("ap.{n}"), Role::Member).await;
        groups::add_request(&app.db, channel, applicant, "Let me in.")
            .await
            .expect("request")
            .expect("waiting")
    } else {
        0
    };
    let post_form: Vec<(&str, &str)> = vec![
        ("kind", "discussion"),
        ("title", "A new post"),
        ("url", ""),
        ("body", "New words"),
    ];
    let day = local_day(app, 3);
    let target = g.target;
    let other_visibility = match group {
        Group::Listed => "private-hidden",
        Group::Hidden => "private-listed",
    };
    let before = group_snapshot(app).await;
    let mut found = None;
    let response = match action {
        GroupAction::ViewChannel => Some(browser.get(&format!("/c/{slug}")).await),
        GroupAction::ViewPost => Some(browser.get(&format!("/p/{other}")).await),
        GroupAction::Post => Some(browser.post(&format!("/c/{slug}/posts"), &post_form).await),
        GroupAction::Reply => Some(
            browser
                .post(&format!("/p/{other}/replies"), &[("body", "A reply")])
                .await,
        ),
        GroupAction::React => Some(browser.post(&format!("/p/{other}/react"), &[("kind", "like")]).await),
        GroupAction::Search => {
            found = Some(finds(app, browser, &word, other).await);
            None
        }
        GroupAction::SeeMembers => Some(browser.get(&format!("/c/{slug}/members")).await),
        GroupAction::AddMember => Some(
            browser
                .post(&format!("/c/{slug}/members"), &[("handle", "@g.newcomer")])
                .await,
        ),
        GroupAction::RemoveMember => Some(
            browser
                .post(&format!("/c/{slug}/members/{target}/remove"), &[("confirm", "yes")])
                .await,
        ),
        GroupAction::AcceptRequest => Some(browser.post(&format!("/c/{slug}/requests/{request}/accept"), &[]).await),
        GroupAction::DeclineRequest => Some(
            browser
                .post(
                    &format!("/c/{slug}/requests/{request}/decline"),
                    &[("reason", "Not this time.")],
                )
                .await,
        ),
        GroupAction::AskToJoin => Some(browser.post(&format!("/c/{slug}/join"), &[("message", "Again?")]).await),
        GroupAction::WithdrawRequest => Some(browser.post(&format!("/c/{slug}/join/withdraw"), &[]).await),
        GroupAction::Leave => Some(browser.post(&format!("/c/{slug}/leave"), &[("confirm", "yes")]).await),
        GroupAction::EditDetails => Some(
            browser
                .post(
                    &format!("/c/{slug}/details"),
                    &[("name", "Renamed group"), ("purpose", "A new purpose.")],
                )
                .await,
        ),
        GroupAction::ChangeVisibility => Some(
            browser
                .post(&format!("/c/{slug}/visibility"), &[("visibility", other_visibility)])
                .await,
        ),
        GroupAction::NameManager => Some(
            browser
                .post(&format!("/c/{slug}/managers"), &[("manager", "@g.stand.in")])
                .await,
        ),
        GroupAction::NameDeputy => Some(
            browser
                .post(
                    &format!("/c/{slug}/deputies"),
                    &[("deputy", "@g.stand.in"), ("until", day.as_str())],
                )
                .await,
        ),
        GroupAction::Pin => Some(browser.post(&format!("/p/{other}/pin"), &[]).await),
        GroupAction::Announce => Some(browser.post(&format!("/p/{other}/announce"), &[]).await),
        GroupAction::Feature => Some(
            browser
                .post(&format!("/p/{other}/feature"), &[("featured", "yes")])
                .await,
        ),
    };
    let after = group_snapshot(app).await;
    let want = answer(rel, group, action);
    let cell = format!("{rel:?} × {group:?} × {action:?}");
    let reading = matches!(
        action,
        GroupAction::ViewChannel | GroupAction::ViewPost | GroupAction::SeeMembers
    );
    match (response, found) {
        (None, Some(found)) => {
            assert_eq!(found, want == Answer::Done, "{cell}: found in search");
        }
        (Some(response), _) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            match want {
                Answer::Done if reading => {
                    assert_eq!(status, 200, "{cell}: allowed");
                    if action != GroupAction::SeeMembers {
                        assert!(body.contains(&title), "{cell}: the post is there");
                    }
                }
                Answer::Done => {
                    assert_eq!(status, 303, "{cell}: allowed: {body}");
                    assert_ne!(before, after, "{cell}: allowed, so something changed");
                }
                Answer::Lobby => {
                    assert_eq!(status, 200, "{cell}: the lobby");
                    assert!(body.contains("This is a working group"), "{cell}: the lobby: {body}");
                    assert!(body.contains("What the group is for."), "{cell}: its purpose");
                    assert!(body.contains("G Creator"), "{cell}: who runs it");
                    assert!(!body.contains(&title), "{cell}: no posts");
                    assert!(!body.contains("Latest posts"), "{cell}: no posts");
                    assert!(!body.contains("follower"), "{cell}: no counts");
                    let waiting = rel == Rel::Requester;
                    assert_eq!(body.contains("Withdraw my request"), waiting, "{cell}: waiting");
                    assert_eq!(body.contains("action=\"/c/listed/join\""), !waiting, "{cell}: may ask");
                }
                Answer::NotFound => assert_eq!(status, 404, "{cell}: not there for them"),
                Answer::Forbidden => assert_eq!(status, 403, "{cell}: seen but not allowed"),
                Answer::Unchanged => assert_eq!(status, 303, "{cell}: nothing to do"),
            }
        }
        _ => unreachable!(),
    }
    if want != Answer::Done {
        assert_eq!(before, after, "{cell}: nothing changed");
    } else {
        restore(app, g, person, group, channel, action, other).await;
    }
}

/// Put back what an allowed cell changed that later cells depend on.
async fn restore(
    app: &TestApp,
    g: &Groups,
    person: &(Rel, i64, Browser),
    group: Group,
    channel: i64,
    action: GroupAction,
    post: i64,
) {
    let (rel, me) = (person.0, person.1);
    match action {
        GroupAction::AddMember => {
            channels::delete_member(&app.db, channel, g.newcomer)
                .await
                .expect("restore");
        }
        GroupAction::RemoveMember => {
            channels::insert_member(&app.db, channel, g.target, Some(g.admin))
                .await
                .expect("restore");
        }
        GroupAction::AskToJoin => {
            app.exec(&format!(
                "DELETE FROM join_requests WHERE channel_id = {channel} AND user_id = {me} AND status = 'pending'"
            ))
            .await;
        }
        GroupAction::WithdrawRequest => {
            groups::add_request(&app.db, channel, me, "May I?")
                .await
                .expect("restore");
        }
        GroupAction::Leave => {
            channels::insert_member(&app.db, channel, me, Some(g.admin))
                .await
                .expect("restore");
            channels::follow(&app.db, me, channel).await.expect("restore");
            let until = match rel {
                Rel::Manager => None,
                Rel::Deputy => Some(g.deputy_until),
                Rel::LapsedDeputy => Some(g.lapsed_until),
                _ => return,
            };
            groups::name_steward(&app.db, channel, me, until, g.admin)
                .await
                .expect("restore");
        }
        GroupAction::EditDetails => {
            channels::rename(&app.db, channel, group.slug(), "What the group is for.")
                .await
                .expect("restore");
        }
        GroupAction::ChangeVisibility => {
            channels::set_visibility(&app.db, g.admin, channel, group.visibility())
                .await
                .expect("restore");
            // Whoever makes a channel private joins it (so as not to shut
            // themselves out): the administrator outside it goes out again.
            if rel == Rel::OutsideAdmin {
                channels::delete_member(&app.db, channel, me).await.expect("restore");
            }
        }
        GroupAction::NameManager | GroupAction::NameDeputy => {
            groups::remove_steward(&app.db, channel, g.stand_in)
                .await
                .expect("restore");
            channels::delete_member(&app.db, channel, g.stand_in)
                .await
                .expect("restore");
        }
        // A group keeps three pins at most: make room for the next cell.
        GroupAction::Pin => {
            app.exec(&format!("DELETE FROM channel_pins WHERE post_id = {post}"))
                .await
        }
        _ => {}
    }
}

async fn every_relationship_to_a_working_group_answers_as_issue_17_says(app: TestApp) {
    let g = groups_world(&app).await;
    let mut cells = 0;
    for person in &g.people {
        for (group, channel) in &g.groups {
            for action in GROUP_ACTIONS {
                try_group_cell(&app, &g, person, *group, *channel, action, cells).await;
                cells += 1;
            }
        }
    }
    assert_eq!(cells, RELATIONSHIPS.len() * 2 * GROUP_ACTIONS.len());
}
