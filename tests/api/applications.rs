//! The coordinators' side of the community model over HTTP: applying for a
//! licence to post and the decision on it (told by notice and email),
//! asking for a channel and opening it with its manager, the registers and
//! their CSVs, and every refused or bad form changing nothing.

use commonroom::domain::role::Role;

use crate::helpers::{Browser, TestApp, location, messages_in};
use crate::on_both_backends;

on_both_backends!(
    an_approved_applicant_posts_on_the_next_request_and_is_told,
    a_declined_applicant_is_told_why_and_may_apply_again,
    forged_duplicate_and_bad_forms_change_nothing,
    registers_list_licence_holders_and_every_channel_as_safe_csv,
    a_channel_request_opens_the_channel_with_its_manager,
    only_coordinators_and_admins_decide_and_keep_the_registers,
);

async fn channel_id(app: &TestApp, slug: &str) -> i64 {
    app.sql_i64(&format!("SELECT id FROM channels WHERE slug = '{slug}'"))
        .await
}

/// What a decision may change, read before and after a refused one.
async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM licence_applications",
        "SELECT COUNT(*) FROM licence_applications WHERE status = 'pending'",
        "SELECT COUNT(*) FROM licence_application_channels",
        "SELECT COUNT(*) FROM channel_requests",
        "SELECT COUNT(*) FROM channel_requests WHERE status = 'pending'",
        "SELECT COUNT(*) FROM channel_managers",
        "SELECT COUNT(*) FROM channels",
        "SELECT COUNT(*) FROM user_roles",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM notices",
    ] {
        out.push(app.sql_i64(sql).await);
    }
    out
}

fn mail(app: &TestApp) -> Vec<String> {
    messages_in(&app.data_dir().join("mail"))
}

/// Apply for a licence to post in these channels (by slug).
async fn apply(app: &TestApp, who: &Browser, slugs: &[&str]) -> reqwest::Response {
    let mut ids = Vec::new();
    for slug in slugs {
        ids.push(channel_id(app, slug).await.to_string());
    }
    let mut form = vec![
        ("why", "To share the service's news with colleagues."),
        ("trained", "yes"),
        ("manager_name", "Pat Lee"),
    ];
    for id in &ids {
        form.push(("channels", id.as_str()));
    }
    who.post("/apply", &form).await
}

/// The newest application's id.
async fn latest(app: &TestApp) -> i64 {
    app.sql_i64("SELECT MAX(id) FROM licence_applications").await
}

/// A signed-in admin, an open channel `news`, and the coordinator.
async fn setting(app: &TestApp) -> (Browser, Browser) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let hannah = app.signed_in("hannah", Role::Coordinator).await;
    (ada, hannah)
}

async fn an_approved_applicant_posts_on_the_next_request_and_is_told(app: TestApp) {
    let (ada, hannah) = setting(&app).await;
    app.working_group(&ada, "private-listed").await;
    let r = ada
        .post("/channels", &[("name", "Old news"), ("slug", "old-news")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        ada.post("/c/old-news/archive", &[("confirm", "yes")]).await.status(),
        303
    );
    let zoe = app.signed_in("zoe", Role::Member).await;

    // The form offers open, live channels only, and keeps where to go back to.
    let page = zoe.text("/apply?next=/c/news").await;
    assert!(page.contains("#news") && page.contains("value=\"/c/news\""), "{page}");
    assert!(!page.contains("#wg") && !page.contains("#old-news"), "{page}");
    let post = [("kind", "discussion"), ("title", "Hello"), ("body", "Hi all")];
    assert_eq!(zoe.post("/c/news/posts", &post).await.status(), 403);

    let r = apply(&app, &zoe, &["news"]).await;
    assert_eq!(r.status(), 303);
    let r = zoe
        .post(
            "/apply",
            &[
                ("why", "Again"),
                ("trained", "no"),
                ("manager_name", "Pat Lee"),
                ("channels", &channel_id(&app, "news").await.to_string()),
                ("next", "/c/news"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "one application waits at a time");
    assert!(r.text().await.unwrap().contains("already have an application waiting"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM licence_applications").await, 1);
    assert!(zoe.text("/apply").await.contains("waiting for a coordinator"));

    // The coordinator sees every detail and approves.
    let page = hannah.text("/applications").await;
    for detail in ["Zoe", "To share the service&#39;s news", "Pat Lee", "#news"] {
        assert!(page.contains(detail), "{detail}: {page}");
    }
    let id = latest(&app).await;
    let r = hannah.post(&format!("/applications/{id}/approve"), &[]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/applications".into()));

    // Zoe's open session posts on its next request, and she is told.
    zoe.create_post("news", "discussion", "Licensed", "", "Now I may post.")
        .await;
    let home = zoe.text("/").await;
    assert!(home.contains(r#"data-unread="1""#), "{home}");
    let notices = zoe.text("/notifications").await;
    assert!(
        notices.contains("approved your application for a licence to post"),
        "{notices}"
    );
    let sent = mail(&app);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("To: zoe@example.org"), "{}", sent[0]);
    assert!(
        sent[0].contains("approved your application for a licence to post"),
        "{}",
        sent[0]
    );
    assert!(zoe.text("/apply").await.contains("already hold a licence to post"));

    let zoe_id = app.user_id("zoe").await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM user_roles WHERE user_id = {zoe_id} AND role = 'contributor'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'application.approve' AND target = 'application:{id}'"
        ))
        .await,
        1
    );

    // Deciding it again changes nothing.
    let before = counts(&app).await;
    let r = hannah.post(&format!("/applications/{id}/approve"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already decided"));
    let r = hannah
        .post(&format!("/applications/{id}/decline"), &[("reason", "Changed my mind")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(counts(&app).await, before);
    assert_eq!(mail(&app).len(), 1);
}

async fn a_declined_applicant_is_told_why_and_may_apply_again(app: TestApp) {
    let (_ada, hannah) = setting(&app).await;
    let zoe = app.signed_in("zoe", Role::Member).await;
    assert_eq!(apply(&app, &zoe, &["news"]).await.status(), 303);
    let id = latest(&app).await;

    // A decline says why: empty or over-long reasons are refused.
    let before = counts(&app).await;
    for reason in ["   ".to_owned(), "x".repeat(2001)] {
        let r = hannah
            .post(&format!("/applications/{id}/decline"), &[("reason", reason.as_str())])
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Give a reason") || page.contains("under 2,000"), "{page}");
    }
    assert_eq!(counts(&app).await, before);

    let r = hannah
        .post(
            &format!("/applications/{id}/decline"),
            &[("reason", "Please do the social media training first.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let notices = zoe.text("/notifications").await;
    assert!(
        notices.contains("Please do the social media training first."),
        "{notices}"
    );
    let sent = mail(&app);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("Please do the social media training first."),
        "{}",
        sent[0]
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'application.decline'")
            .await,
        1
    );
    let post = [("kind", "discussion"), ("title", "Hello"), ("body", "Hi all")];
    assert_eq!(zoe.post("/c/news/posts", &post).await.status(), 403);

    // The reason shows above the form, and Zoe may apply again.
    let page = zoe.text("/apply").await;
    assert!(
        page.contains("was declined") && page.contains("social media training"),
        "{page}"
    );
    assert_eq!(apply(&app, &zoe, &["news"]).await.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM licence_applications WHERE status = 'pending'")
            .await,
        1
    );
}

async fn forged_duplicate_and_bad_forms_change_nothing(app: TestApp) {
    let (ada, hannah) = setting(&app).await;
    app.working_group(&ada, "private-hidden").await;
    let zoe = app.signed_in("zoe", Role::Member).await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(apply(&app, &bo, &["news"]).await.status(), 303);
    let bos = latest(&app).await;
    let news = channel_id(&app, "news").await.to_string();
    let wg = channel_id(&app, "wg").await.to_string();
    let long_why = "é".repeat(2001);
    let long_manager = "a".repeat(101);

    let before = counts(&app).await;
    let bad: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("why", "Hi"),
                ("trained", "yes"),
                ("manager_name", "Pat"),
                ("channels", &wg),
            ],
            "Choose channels from the list",
        ),
        (
            vec![
                ("why", "Hi"),
                ("trained", "yes"),
                ("manager_name", "Pat"),
                ("channels", "99999"),
            ],
            "Choose channels from the list",
        ),
        (
            vec![
                ("why", "Hi"),
                ("trained", "yes"),
                ("manager_name", "Pat"),
                ("channels", "news"),
            ],
            "Choose channels from the list",
        ),
        (
            vec![("why", "Hi"), ("trained", "yes"), ("manager_name", "Pat")],
            "at least one channel",
        ),
        (
            vec![("why", "Hi"), ("manager_name", "Pat"), ("channels", &news)],
            "done the training",
        ),
        (
            vec![
                ("why", " "),
                ("trained", "no"),
                ("manager_name", "Pat"),
                ("channels", &news),
            ],
            "Say why",
        ),
        (
            vec![
                ("why", &long_why),
                ("trained", "no"),
                ("manager_name", "Pat"),
                ("channels", &news),
            ],
            "under 2,000",
        ),
        (
            vec![
                ("why", "Hi"),
                ("trained", "no"),
                ("manager_name", &long_manager),
                ("channels", &news),
            ],
            "under 100",
        ),
        (
            vec![
                ("why", "Hi"),
                ("trained", "no"),
                ("manager_name", ""),
                ("channels", &news),
            ],
            "manager",
        ),
    ];
    for (form, says) in bad {
        let r = zoe.post("/apply", &form).await;
        assert_eq!(r.status(), 422, "{form:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains(says), "{says}: {page}");
    }
    // A forged id, for either decision; and a person who does not coordinate.
    for path in ["/applications/99999/approve", "/channel-requests/99999/approve"] {
        assert_eq!(hannah.post(path, &[]).await.status(), 404, "{path}");
    }
    for path in ["/applications/99999/decline", "/channel-requests/99999/decline"] {
        assert_eq!(hannah.post(path, &[("reason", "No")]).await.status(), 404, "{path}");
        assert_eq!(hannah.post(path, &[("reason", "")]).await.status(), 404, "{path}");
    }
    assert_eq!(hannah.post("/applications/abc/approve", &[]).await.status(), 404);
    for path in [
        format!("/applications/{bos}/approve"),
        format!("/applications/{bos}/decline"),
    ] {
        let r = zoe.post(&path, &[("reason", "Forged")]).await;
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.text().await.unwrap().contains("coordinators"));
        assert_eq!(bo.post(&path, &[("reason", "My own")]).await.status(), 403, "{path}");
    }
    assert_eq!(counts(&app).await, before);
    assert!(mail(&app).is_empty());
}

/// The rows of a CSV download (quoted fields, doubled quotes, CRLF lines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

async fn csv(who: &Browser, path: &str) -> Vec<Vec<String>> {
    let r = who.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    parse_csv(&r.text().await.unwrap())
}

async fn registers_list_licence_holders_and_every_channel_as_safe_csv(app: TestApp) {
    let (ada, hannah) = setting(&app).await;
    app.working_group(&ada, "private-hidden").await;
    let r = ada.post("/channels", &[("name", "=SUM(1,2)"), ("slug", "sums")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(ada.post("/c/sums/archive", &[("confirm", "yes")]).await.status(), 303);
    app.create_user("cy", Role::Contributor).await;
    app.exec("UPDATE users SET department = '=HYPERLINK(\"http://x\")' WHERE handle = 'cy'")
        .await;
    app.create_user("cu", Role::Curator).await;
    app.create_user("mo", Role::Moderator).await;
    app.create_user("bo", Role::Member).await;
    let zoe = app.signed_in("zoe", Role::Member).await;
    assert_eq!(apply(&app, &zoe, &["news"]).await.status(), 303);
    let id = latest(&app).await;
    assert_eq!(
        hannah.post(&format!("/applications/{id}/approve"), &[]).await.status(),
        303
    );
    ada.create_post("news", "discussion", "Latest", "", "Words.").await;

    let page = hannah.text("/register/contributors").await;
    for who in ["Ada", "Cu", "Cy", "Zoe", "given by an administrator", "#news"] {
        assert!(page.contains(who), "{who}: {page}");
    }
    for who in [">Bo</a></th>", ">Mo</a></th>", ">Hannah</a></th>"] {
        assert!(!page.contains(who), "{who} holds no licence: {page}");
    }
    let rows = csv(&hannah, "/register/contributors.csv").await;
    assert_eq!(
        rows[0],
        ["name", "email", "department", "since", "approved_by", "channels"]
    );
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["Ada", "Cu", "Cy", "Zoe"]);
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(row("Zoe")[4], "Hannah");
    assert_eq!(row("Zoe")[5], "news");
    assert_eq!(row("Cy")[4], "given by an administrator");
    assert_eq!(row("Cy")[2], "'=HYPERLINK(\"http://x\")", "never a formula");
    assert!(row("Zoe")[3].ends_with('Z'), "{:?}", row("Zoe"));

    // Every channel, private and archived ones too, with its managers (whoever
    // created it) and deputies with the last day of their cover.
    let last_day = (chrono::Utc::now() + chrono::Duration::days(10))
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    assert_eq!(
        ada.post("/c/wg/deputies", &[("deputy", "@cy"), ("until", &last_day.to_string())])
            .await
            .status(),
        303
    );
    let page = ada.text("/register/channels").await;
    assert!(page.contains(&last_day.format("%-d %B %Y").to_string()), "{page}");
    for text in [
        "News",
        "/c/news",
        "Working group",
        "private, hidden",
        "archived",
        "=SUM(1,2)",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    let rows = csv(&ada, "/register/channels.csv").await;
    assert_eq!(
        rows[0],
        [
            "name",
            "slug",
            "visibility",
            "status",
            "managers",
            "deputies",
            "created",
            "last_post"
        ]
    );
    let row = |slug: &str| rows.iter().find(|r| r[1] == slug).unwrap().clone();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(row("sums")[0], "'=SUM(1,2)", "never a formula");
    assert_eq!(row("sums")[3], "archived");
    assert_eq!(row("wg")[2], "private-hidden");
    assert_eq!(row("wg")[4], "Ada");
    assert!(row("wg")[5].starts_with("Cy until "), "{rows:?}");
    assert_eq!(row("news")[5], "", "no deputy");
    assert_eq!(row("news")[3], "active");
    assert!(!row("news")[7].is_empty() && row("wg")[7].is_empty(), "{rows:?}");
}

async fn a_channel_request_opens_the_channel_with_its_manager(app: TestApp) {
    let (ada, hannah) = setting(&app).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let cy = app.signed_in("cy", Role::Contributor).await;
    app.create_user("dee", Role::Member).await;
    let form = |manager: &'static str, slug: &'static str| {
        vec![
            ("name", "Bin rounds"),
            ("slug", slug),
            ("purpose", "Collections, missed bins and the Christmas timetable."),
            ("manager", manager),
        ]
    };

    // Without a licence, no request.
    let before = counts(&app).await;
    let r = bo.get("/channels/request").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("licence to post"));
    assert_eq!(bo.post("/channels/request", &form("", "")).await.status(), 403);
    // Unknown manager, a taken address, a missing purpose.
    let r = cy.post("/channels/request", &form("nobody", "")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Nobody active has that handle"));
    let r = cy.post("/channels/request", &form("", "news")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already used by another channel"));
    let r = cy
        .post("/channels/request", &[("name", "Bins"), ("purpose", " ")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(counts(&app).await, before);

    assert!(cy.text("/channels").await.contains("href=\"/channels/request\""));
    let r = cy.post("/channels/request", &form("", "")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/channels/request".into()));
    let bins = app.sql_i64("SELECT MAX(id) FROM channel_requests").await;
    assert!(hannah.text("/applications").await.contains("Bin rounds"));

    // Declining takes a reason; approving opens it, managed by Cy.
    let before = counts(&app).await;
    let r = hannah
        .post(&format!("/channel-requests/{bins}/decline"), &[("reason", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(counts(&app).await, before);
    let r = hannah.post(&format!("/channel-requests/{bins}/approve"), &[]).await;
    assert_eq!(r.status(), 303);
    let channel = channel_id(&app, "bin-rounds").await;
    let cy_id = app.user_id("cy").await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM channel_managers WHERE channel_id = {channel} AND user_id = {cy_id}"
        ))
        .await,
        1
    );
    assert!(cy.text("/c/bin-rounds").await.contains("Christmas timetable"));
    let rows = csv(&hannah, "/register/channels.csv").await;
    let row = rows.iter().find(|r| r[1] == "bin-rounds").expect("in the register");
    assert_eq!((row[2].as_str(), row[4].as_str()), ("open", "Cy"));
    assert!(
        cy.text("/notifications")
            .await
            .contains("the channel “Bin rounds” is open")
    );
    let sent = mail(&app);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("To: cy@example.org") && sent[0].contains("/c/bin-rounds"),
        "{}",
        sent[0]
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'channel_request.approve'")
            .await,
        1
    );

    // An address taken since the request: nothing is opened, nothing changes.
    let r = cy.post("/channels/request", &form("dee", "gritting")).await;
    assert_eq!(r.status(), 303);
    let grit = app.sql_i64("SELECT MAX(id) FROM channel_requests").await;
    app.channel(&ada, "Gritting", "gritting").await;
    let before = counts(&app).await;
    let r = hannah.post(&format!("/channel-requests/{grit}/approve"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Another channel has this web address"));
    assert_eq!(counts(&app).await, before);
    let r = hannah
        .post(
            &format!("/channel-requests/{grit}/decline"),
            &[("reason", "Gritting has a channel now.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(mail(&app).iter().any(|m| m.contains("Gritting has a channel now.")));
    assert!(
        cy.text("/channels/request")
            .await
            .contains("Gritting has a channel now.")
    );
}

async fn only_coordinators_and_admins_decide_and_keep_the_registers(app: TestApp) {
    let (ada, hannah) = setting(&app).await;
    let pages = [
        "/applications",
        "/register/contributors",
        "/register/contributors.csv",
        "/register/channels",
        "/register/channels.csv",
    ];
    for role in [Role::Member, Role::Contributor, Role::Curator, Role::Moderator] {
        let who = app.signed_in(&format!("someone.{role}"), role).await;
        for path in pages {
            assert_eq!(who.get(path).await.status(), 403, "{role} {path}");
        }
        assert!(
            !who.text("/").await.contains("href=\"/applications\""),
            "{role}: no link"
        );
    }
    for who in [&ada, &hannah] {
        for path in pages {
            assert_eq!(who.get(path).await.status(), 200, "{path}");
        }
        assert!(who.text("/").await.contains("href=\"/applications\""));
    }
    let anonymous = app.browser();
    let r = anonymous.get("/register/contributors.csv").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
}
