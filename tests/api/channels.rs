//! Channels: creating, listing, following and archiving.

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    admin_creates_a_channel_and_follows_it,
    members_cannot_create_channels,
    channel_form_errors_keep_what_was_typed,
    slug_is_made_from_the_name_when_left_blank,
    following_a_channel_fills_the_home_feed,
    archived_channel_is_read_only_but_still_listed_and_readable,
    unknown_channel_is_a_friendly_404,
    an_empty_channel_form_asks_only_for_the_name,
    members_are_added_by_name_or_handle,
    open_channels_offer_who_can_read_not_a_member_list,
);

async fn admin_creates_a_channel_and_follows_it(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let r = admin
        .post(
            "/channels",
            &[
                ("name", "Digital & social media"),
                ("slug", "digital-comms"),
                ("description", "Posts about our online channels."),
            ],
        )
        .await;
    assert_eq!(location(&r), "/c/digital-comms");
    let page = admin.text("/c/digital-comms").await;
    assert!(page.contains("Digital &#38; social media"));
    assert!(page.contains("1 follower"));
    assert!(page.contains("Unfollow"));
    let list = admin.text("/channels").await;
    assert!(list.contains("Posts about our online channels."));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'channel.create'")
            .await,
        1
    );
}

async fn members_cannot_create_channels(app: TestApp) {
    let member = app.signed_in("ben", Role::Member).await;
    assert_eq!(member.get("/channels/new").await.status(), 403);
    let r = member
        .post("/channels", &[("name", "Sneaky"), ("slug", "sneaky")])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("You cannot do that here"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM channels").await, 0);
}

async fn channel_form_errors_keep_what_was_typed(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Libraries", "libraries").await;
    let r = admin
        .post(
            "/channels",
            &[
                ("name", "Libraries and culture"),
                ("slug", "libraries"),
                ("description", "Books, halls & more"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("already uses this web address"));
    assert!(body.contains(r#"value="Libraries and culture""#));
    assert!(body.contains("Books, halls &#38; more"));
    let r = admin.post("/channels", &[("name", ""), ("slug", "Not Valid!")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Give the channel a name.") && body.contains("lower-case letters"));
    assert!(body.contains(r#"aria-invalid="true""#));
}

async fn slug_is_made_from_the_name_when_left_blank(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let r = admin
        .post("/channels", &[("name", "Public Health Comms!"), ("slug", "")])
        .await;
    assert_eq!(location(&r), "/c/public-health-comms");
}

async fn following_a_channel_fills_the_home_feed(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Libraries", "libraries").await;
    admin
        .create_post(
            "libraries",
            "discussion",
            "Summer reading challenge",
            "",
            "Who is promoting it this year?",
        )
        .await;
    let reader = app.signed_in("cy", Role::Member).await;
    let home = reader.text("/").await;
    assert!(!home.contains("Summer reading challenge"));
    assert!(home.contains("not following any channels"));
    assert!(reader.text("/all").await.contains("Summer reading challenge"));

    assert_eq!(reader.post("/c/libraries/follow", &[]).await.status(), 303);
    assert!(reader.text("/").await.contains("Summer reading challenge"));
    assert!(reader.text("/channels").await.contains("2 followers"));

    reader.post("/c/libraries/unfollow", &[]).await;
    assert!(!reader.text("/").await.contains("Summer reading challenge"));
}

async fn archived_channel_is_read_only_but_still_listed_and_readable(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Old projects", "old-projects").await;
    let post = admin
        .create_post(
            "old-projects",
            "discussion",
            "Website relaunch 2019",
            "",
            "Lessons learned.",
        )
        .await;
    let member = app.signed_in("dee", Role::Contributor).await;
    assert_eq!(
        member
            .post("/c/old-projects/archive", &[("confirm", "yes")])
            .await
            .status(),
        403,
        "members cannot archive"
    );
    assert_eq!(
        admin
            .post("/c/old-projects/archive", &[("confirm", "yes")])
            .await
            .status(),
        303
    );

    let page = member.text("/c/old-projects").await;
    assert!(page.contains("This channel is archived"));
    assert!(page.contains("Website relaunch 2019"));
    assert!(!page.contains("composer-heading"), "no post form");
    assert!(member.text("/channels").await.contains("Archived channels"));
    let r = member.create_post_raw("old-projects").await;
    assert_eq!(r, 403);
    assert_eq!(
        member
            .post(&format!("/p/{post}/replies"), &[("body", "Late reply")])
            .await
            .status(),
        403
    );
    assert_eq!(
        member
            .post(&format!("/p/{post}/react"), &[("kind", "like")])
            .await
            .status(),
        403
    );
    assert_eq!(
        admin
            .post(
                &format!("/p/{post}/edit"),
                &[("kind", "discussion"), ("title", "x"), ("body", "y")]
            )
            .await
            .status(),
        403
    );
    assert!(
        member
            .text(&format!("/p/{post}"))
            .await
            .contains("the thread is closed")
    );

    assert_eq!(admin.post("/c/old-projects/unarchive", &[]).await.status(), 303);
    assert_eq!(member.create_post_raw("old-projects").await, 303);
}

async fn unknown_channel_is_a_friendly_404(app: TestApp) {
    let member = app.signed_in("eli", Role::Member).await;
    let r = member.get("/c/no-such-channel").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Page not found"));
}

impl crate::helpers::Browser {
    /// Try to post a simple discussion; returns the status code.
    pub async fn create_post_raw(&self, slug: &str) -> u16 {
        self.post(
            &format!("/c/{slug}/posts"),
            &[("kind", "discussion"), ("title", "Hello"), ("body", "Is this on?")],
        )
        .await
        .status()
        .as_u16()
    }
}

async fn an_empty_channel_form_asks_only_for_the_name(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let r = admin
        .post("/channels", &[("name", ""), ("slug", ""), ("description", "")])
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Give the channel a name."), "{page}");
    assert!(
        !page.contains("web address using")
            && !page.contains("field-error\"><span class=\"visually-hidden\">Error: </span>Choose"),
        "{page}"
    );
    assert_eq!(
        page.matches("class=\"field-error\"").count(),
        1,
        "one error, for the name: {page}"
    );
}

async fn members_are_added_by_name_or_handle(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.working_group(&admin, "private-listed").await;
    for handle in ["sam.jones", "sam.jonas", "kim.lee"] {
        app.create_user(handle, Role::Member).await;
    }
    let member = |handle: &str| {
        format!("SELECT COUNT(*) FROM channel_members m JOIN users u ON u.id = m.user_id WHERE u.handle = '{handle}'")
    };

    // A full name that only one person has.
    assert_eq!(
        admin.post("/c/wg/members", &[("handle", "kim lee")]).await.status(),
        303
    );
    assert_eq!(app.sql_i64(&member("kim.lee")).await, 1);
    // A name several people share: a choice, the text kept, nobody added.
    let r = admin.post("/c/wg/members", &[("handle", "Sam")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Choose who you meant"), "{page}");
    assert!(
        page.contains(r#"value="@sam.jones""#) && page.contains(r#"value="@sam.jonas""#),
        "{page}"
    );
    assert!(page.contains(r#"value="Sam""#), "what was typed is kept: {page}");
    assert_eq!(
        app.sql_i64(&member("sam.jones")).await + app.sql_i64(&member("sam.jonas")).await,
        0
    );
    // Choosing one (the candidate's button) adds them.
    assert_eq!(
        admin.post("/c/wg/members", &[("handle", "@sam.jonas")]).await.status(),
        303
    );
    assert_eq!(app.sql_i64(&member("sam.jonas")).await, 1);
    // The exact full name wins over others starting the same way.
    assert_eq!(
        admin.post("/c/wg/members", &[("handle", "Sam Jones")]).await.status(),
        303
    );
    assert_eq!(app.sql_i64(&member("sam.jones")).await, 1);
    // Nobody by that name.
    let r = admin.post("/c/wg/members", &[("handle", "Zed")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Nobody has that name or handle"));
}

async fn open_channels_offer_who_can_read_not_a_member_list(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let page = admin.text("/c/comms").await;
    assert!(page.contains(">Managers and who can read it</a>"), "{page}");
    assert!(!page.contains(">Members</a>"), "{page}");
    let page = admin.text("/c/comms/members").await;
    assert!(
        page.contains("<h1>Who can read Comms</h1>") && !page.contains("no member list"),
        "{page}"
    );
    assert!(page.contains(r#"action="/c/comms/visibility""#), "{page}");
}
