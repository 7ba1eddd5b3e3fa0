//! The permission matrix: every role × channel kind × action, tried over
//! HTTP. What each cell should answer is written out below from the
//! community model's rules, independently of `domain/policy.rs`: a denied
//! cell answers 404 for what the person may not see and 403 for what they
//! may see but not do, and changes nothing in the database; an allowed one
//! changes what it says. Approving a licence application and exporting the
//! registers are the coordinators' (and administrators'), whatever the channel.

use commonroom::domain::application::LicenceApplication;
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use commonroom::store::{applications, guidelines, posts};

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
