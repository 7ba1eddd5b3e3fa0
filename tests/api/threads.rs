//! Threads: replies, quotes, reactions and mentions.

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    replies_are_oldest_first_and_counted_with_last_activity,
    empty_reply_re_renders_with_an_error_and_keeps_the_quote,
    quote_reply_shows_the_quoted_words,
    quotes_cannot_reach_into_another_thread,
    reacting_toggles_and_shows_counts_and_who,
    htmx_reaction_returns_just_the_buttons,
    everyone_who_reacted_can_be_listed_with_you_first_on_posts_and_replies,
    mentions_link_to_profiles_and_are_recorded,
    reply_author_edits_and_deletes_leaving_a_notice,
    others_cannot_edit_or_delete_a_reply_by_url,
    malformed_quote_values_are_ignored_not_errors,
);

async fn thread(app: &TestApp) -> (crate::helpers::Browser, i64) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let slug = app.channel(&admin, "Comms", "comms").await;
    let id = admin
        .create_post(
            &slug,
            "discussion",
            "Winter gritting messages",
            "",
            "What should we say?",
        )
        .await;
    (admin, id)
}

async fn replies_are_oldest_first_and_counted_with_last_activity(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let other = app.signed_in("bo", Role::Member).await;
    admin.reply(id, "First reply here", None).await;
    other.reply(id, "Second reply here", None).await;
    admin.reply(id, "Third reply here", None).await;
    let page = admin.text(&format!("/p/{id}")).await;
    let (a, b, c) = (
        page.find("First reply").unwrap(),
        page.find("Second reply").unwrap(),
        page.find("Third reply").unwrap(),
    );
    assert!(a < b && b < c, "oldest first");
    assert!(page.contains("3 replies"));
    let feed = admin.text("/c/comms").await;
    assert!(
        feed.contains("3 replies") && feed.contains("last <time"),
        "card shows count and last activity"
    );
}

async fn empty_reply_re_renders_with_an_error_and_keeps_the_quote(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let first = admin.reply(id, "Quotable words", None).await;
    let q = first.to_string();
    let r = admin
        .post(
            &format!("/p/{id}/replies"),
            &[("body", "   "), ("quote_of", q.as_str())],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Write your reply before sending it."));
    assert!(body.contains(&format!(r#"name="quote_of" value="{first}""#)));
}

async fn quote_reply_shows_the_quoted_words(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let other = app.signed_in("cy", Role::Member).await;
    let first = other.reply(id, "Use the **word** grit, not salt.", None).await;
    let form = admin.text(&format!("/p/{id}?quote={first}")).await;
    assert!(form.contains("Quoting Cy:"));
    let second = admin.reply(id, "Agreed.", Some(first)).await;
    let page = admin.text(&format!("/p/{id}")).await;
    let at = page.find(&format!(r#"id="reply-{second}""#)).unwrap();
    let rest = &page[at..];
    assert!(rest.contains("Cy wrote:") && rest.contains("Use the word grit, not salt."));
    assert!(rest.contains(&format!("#reply-{first}")), "quote links to the original");
}

async fn quotes_cannot_reach_into_another_thread(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let other_post = admin
        .create_post("comms", "discussion", "Private-ish", "", "Elsewhere")
        .await;
    let foreign = admin.reply(other_post, "Words from another thread", None).await;
    let reply = admin.reply(id, "Trying to quote across", Some(foreign)).await;
    let page = admin.text(&format!("/p/{id}")).await;
    assert!(!page.contains("Words from another thread"));
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM replies WHERE id = {reply} AND quote_of IS NULL"
        ))
        .await,
        1
    );
}

async fn reacting_toggles_and_shows_counts_and_who(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let dee = app.signed_in("dee", Role::Member).await;
    let r = dee.post(&format!("/p/{id}/react"), &[("kind", "like")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/p/{id}#post-{id}"));
    admin.post(&format!("/p/{id}/react"), &[("kind", "like")]).await;
    let page = dee.text(&format!("/p/{id}")).await;
    assert!(page.contains(r#"aria-pressed="true""#));
    assert!(page.contains(r#"<span class="reaction__count">2</span>"#));
    assert!(
        page.contains("Like: You and Ada"),
        "who reacted, the viewer as You and first"
    );
    dee.post(&format!("/p/{id}/react"), &[("kind", "like")]).await;
    let page = dee.text(&format!("/p/{id}")).await;
    assert!(page.contains("Like: Ada") && !page.contains("Dee and"));
    assert_eq!(
        dee.post(&format!("/p/{id}/react"), &[("kind", "angry")]).await.status(),
        400
    );
    // Reacting from a feed goes back to the feed.
    let r = dee
        .client
        .post(format!("{}/p/{id}/react", dee.base))
        .header("referer", format!("{}/c/comms?before=x", dee.base))
        .form(&[("kind", "thanks")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/c/comms?before=x#post-{id}"));
}

async fn htmx_reaction_returns_just_the_buttons(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let r = admin
        .client
        .post(format!("{}/p/{id}/react", admin.base))
        .header("hx-request", "true")
        .form(&[("kind", "insightful")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.trim_start()
            .starts_with(&format!(r#"<div class="reactions" id="post-{id}-reactions">"#)),
        "{html}"
    );
    assert!(!html.contains("<html"));
    assert!(html.contains("Insightful: You"));
}

/// The texts of the items of the "everyone who reacted" list under `details#{id}`, if there is one.
fn everyone_listed(page: &str, id: &str) -> Option<Vec<String>> {
    let doc = scraper::Html::parse_document(page);
    let details = scraper::Selector::parse(&format!("details#{id}")).expect("selector");
    let items = scraper::Selector::parse("li").expect("selector");
    let found = doc.select(&details).next()?;
    Some(
        found
            .select(&items)
            .map(|li| li.text().collect::<String>().trim().to_owned())
            .collect(),
    )
}

async fn everyone_who_reacted_can_be_listed_with_you_first_on_posts_and_replies(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let reply = admin.reply(id, "Say grit, not salt.", None).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let cy = app.signed_in("cy", Role::Member).await;
    let dee = app.signed_in("dee", Role::Member).await;
    let eve = app.signed_in("eve", Role::Member).await;
    // In this order: Bo, Cy, Dee, Ada (who will look), then Eve.
    for who in [&bo, &cy, &dee, &admin, &eve] {
        who.post(&format!("/p/{id}/react"), &[("kind", "like")]).await;
        who.post(&format!("/r/{reply}/react"), &[("kind", "thanks")]).await;
    }

    let page = admin.text(&format!("/p/{id}")).await;

    assert!(page.contains("Like: You, Bo and 3 others"), "{page}");
    assert!(page.contains("Thanks: You, Bo and 3 others"), "{page}");
    let everyone = ["You", "Bo", "Cy", "Dee", "Eve"].map(str::to_owned).to_vec();
    assert_eq!(
        everyone_listed(&page, &format!("post-{id}-like-who")),
        Some(everyone.clone())
    );
    assert_eq!(
        everyone_listed(&page, &format!("reply-{reply}-thanks-who")),
        Some(everyone)
    );
    assert!(
        page.contains(r#"<a href="/u/eve">Eve</a>"#),
        "the others link to their profiles"
    );
    // Someone who did not react sees every name, none of them as You.
    let fay = app.signed_in("fay", Role::Member).await;
    let theirs = fay.text(&format!("/p/{id}")).await;
    assert!(theirs.contains("Like: Bo, Cy and 3 others"), "{theirs}");
    assert_eq!(
        everyone_listed(&theirs, &format!("post-{id}-like-who")),
        Some(["Bo", "Cy", "Dee", "Ada", "Eve"].map(str::to_owned).to_vec())
    );
}

async fn mentions_link_to_profiles_and_are_recorded(app: TestApp) {
    let (admin, id) = thread(&app).await;
    app.create_user("sam.patel", Role::Member).await;
    admin
        .reply(id, "Over to @sam.patel and @nobody.here for this.", None)
        .await;
    let page = admin.text(&format!("/p/{id}")).await;
    assert!(page.contains(r#"<a class="mention" href="/u/sam.patel""#));
    assert!(!page.contains("/u/nobody.here"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM mentions").await, 1);
    let profile = admin.text("/u/sam.patel").await;
    assert!(profile.contains("Sam Patel"));
}

async fn reply_author_edits_and_deletes_leaving_a_notice(app: TestApp) {
    let (admin, id) = thread(&app).await;
    let reply = admin.reply(id, "Typo in here", None).await;
    assert!(admin.text(&format!("/r/{reply}/edit")).await.contains("Typo in here"));
    let r = admin.post(&format!("/r/{reply}/edit"), &[("body", "Fixed it")]).await;
    assert_eq!(location(&r), format!("/p/{id}#reply-{reply}"));
    let page = admin.text(&format!("/p/{id}")).await;
    assert!(page.contains("Fixed it") && page.contains("(edited)"));
    admin.post(&format!("/r/{reply}/delete"), &[("confirm", "yes")]).await;
    let page = admin.text(&format!("/p/{id}")).await;
    assert!(page.contains("This reply was deleted.") && !page.contains("Fixed it"));
    assert!(page.contains("0 replies"));
}

async fn others_cannot_edit_or_delete_a_reply_by_url(app: TestApp) {
    let (_admin, id) = thread(&app).await;
    let author = app.signed_in("eve", Role::Member).await;
    let reply = author.reply(id, "My reply", None).await;
    let other = app.signed_in("fin", Role::Member).await;
    assert_eq!(other.get(&format!("/r/{reply}/edit")).await.status(), 403);
    assert_eq!(
        other
            .post(&format!("/r/{reply}/edit"), &[("body", "Changed")])
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .post(&format!("/r/{reply}/delete"), &[("confirm", "yes")])
            .await
            .status(),
        403
    );
    assert!(other.text(&format!("/p/{id}")).await.contains("My reply"));
}

async fn malformed_quote_values_are_ignored_not_errors(app: TestApp) {
    let (admin, id) = thread(&app).await;
    for q in ["", "abc", "99999999999999999999999"] {
        assert_eq!(admin.get(&format!("/p/{id}?quote={q}")).await.status(), 200, "{q}");
    }
    assert_eq!(admin.get(&format!("/p/{id}?quote")).await.status(), 200);
    let r = admin
        .post(
            &format!("/p/{id}/replies"),
            &[("body", "Still posts"), ("quote_of", "abc")],
        )
        .await;
    assert_eq!(r.status(), 303);
}
