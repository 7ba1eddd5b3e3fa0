//! Every route in one place, grouped by who uses it. The table of contents of the app.

use axum::Router;
use axum::middleware::{from_fn, map_response};
use axum::routing::{get, post};
use axum_login::AuthManagerLayerBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::error;
use crate::state::AppState;
use crate::store::sessions::DbSessionStore;
use crate::web::session::Backend;
use crate::web::{
    access, accounts, admin, announcements, applications, assets, audit, auth, channels, digest, error_pages, feeds,
    groups, guidelines, health, home, inbox, moderation, notifications, password, people, posts, reactions, registers,
    replies, reports, search, security, settings, share, subscriptions, timing, unsubscribe,
};

pub fn build(state: AppState) -> Router {
    // Load balancers and monitors: answered before sessions, CSRF checks and
    // compression, which a probe asking every second has no use for.
    let probes = Router::new()
        .route("/healthz", get(health::healthz))
        .with_state(state.clone());

    // Anyone: static files, signing in, a forgotten password, and joining by
    // invite or sign-up link.
    let public = Router::new()
        .route("/assets/{*path}", get(assets::serve))
        .route("/login", get(auth::show_login).post(auth::login))
        .route("/logout", get(auth::ask_logout).post(auth::logout))
        .route("/signup", get(auth::show_signup).post(auth::request_signup))
        .route("/invite/{token}", get(auth::show_invite).post(auth::accept_invite))
        // A forgotten password: ask for a link by email, then choose a new one by it.
        .route(
            "/password/forgot",
            get(password::show_forgot).post(password::request_reset),
        )
        .route(
            "/password/reset/{token}",
            get(password::show_reset).post(password::reset),
        )
        // Digest readers, signed in or not: the email's one-click unsubscribe,
        // and a week's digest (one's own when signed in, or by a subscriber's signed link).
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::ask).post(unsubscribe::unsubscribe),
        )
        // The same for notification email.
        .route(
            "/unsubscribe/notifications/{token}",
            get(unsubscribe::ask_notifications).post(unsubscribe::unsubscribe_notifications),
        )
        .route("/digest/{week}", get(digest::show_archive))
        // People without an account (partners, councillors): asking for the
        // digest of offered channels, confirming it, and changing or ending
        // it by the signed link in every digest.
        .route(
            "/digest/subscribe",
            get(subscriptions::show_subscribe).post(subscriptions::subscribe),
        )
        .route(
            "/digest/confirm/{token}",
            get(subscriptions::show_confirm).post(subscriptions::confirm),
        )
        .route(
            "/digest/subscription/{token}",
            get(subscriptions::show_manage).post(subscriptions::save_manage),
        )
        .route(
            "/digest/subscription/{token}/unsubscribe",
            get(subscriptions::unsubscribe).post(subscriptions::unsubscribe),
        );

    // Staff: reading, posting, replying and reacting. Each handler asks the policy.
    let staff = Router::new()
        .route("/", get(home::home))
        .route("/all", get(home::all))
        .route("/channels", get(channels::list_channels).post(channels::create_channel))
        .route("/channels/new", get(channels::new_channel))
        .route(
            "/channels/request",
            get(applications::show_request).post(applications::request_channel),
        )
        .route("/c/{slug}", get(channels::show_channel))
        .route("/c/{slug}/posts", post(posts::create_post))
        .route("/c/{slug}/preview", post(posts::preview_link))
        .route("/c/{slug}/follow", post(channels::follow))
        .route("/c/{slug}/unfollow", post(channels::unfollow))
        .route("/c/{slug}/archive", get(channels::archive).post(channels::archive))
        .route("/c/{slug}/unarchive", post(channels::unarchive))
        .route(
            "/c/{slug}/members",
            get(channels::show_members).post(channels::add_member),
        )
        .route(
            "/c/{slug}/members/{user_id}/remove",
            get(channels::remove_member).post(channels::remove_member),
        )
        .route("/c/{slug}/visibility", post(channels::set_visibility))
        .route("/c/{slug}/join", post(groups::ask_to_join))
        .route("/c/{slug}/join/withdraw", post(groups::withdraw_request))
        .route("/c/{slug}/requests/{id}/accept", post(groups::accept_request))
        .route("/c/{slug}/requests/{id}/decline", post(groups::decline_request))
        .route("/c/{slug}/leave", get(groups::leave).post(groups::leave))
        .route("/c/{slug}/details", post(groups::save_details))
        .route("/c/{slug}/deputies", post(groups::name_deputy))
        .route("/c/{slug}/managers", post(groups::name_manager))
        .route("/c/{slug}/managers/{user_id}/remove", post(groups::remove_steward))
        .route("/c/{slug}/subscribers", post(channels::offer_to_subscribers))
        .route("/p/{id}", get(posts::show_thread))
        .route("/p/{id}/edit", get(posts::edit_post_form).post(posts::update_post))
        .route("/p/{id}/delete", get(posts::delete_post).post(posts::delete_post))
        .route("/p/{id}/restore", post(posts::restore_post))
        .route("/p/{id}/replies", post(replies::create_reply))
        .route("/p/{id}/react", post(reactions::react_to_post))
        .route("/p/{id}/pin", post(announcements::pin_post))
        .route("/p/{id}/unpin", post(announcements::unpin_post))
        .route("/p/{id}/announce", post(announcements::announce_post))
        .route("/p/{id}/unannounce", post(announcements::unannounce_post))
        .route("/p/{id}/feature", post(digest::feature_post))
        .route("/announcements/{id}/dismiss", post(announcements::dismiss))
        .route("/r/{id}", get(replies::show_reply))
        .route(
            "/r/{id}/edit",
            get(replies::edit_reply_form).post(replies::update_reply),
        )
        .route("/r/{id}/delete", get(replies::delete_reply).post(replies::delete_reply))
        .route("/r/{id}/restore", post(replies::restore_reply))
        .route("/r/{id}/react", post(reactions::react_to_reply))
        .route("/share", get(share::show_share).post(share::share))
        .route("/search", get(search::show_search))
        .route("/search/suggest", get(search::suggest))
        .route("/u/{handle}", get(people::show_profile))
        .route("/profile", get(people::own_profile).post(people::update_profile))
        .route("/settings/email", get(settings::show_email).post(settings::save_email))
        .route("/settings/password", get(password::show).post(password::change))
        .route("/digest", get(digest::list_archive))
        .route("/guidelines", get(guidelines::show).post(guidelines::publish))
        .route("/guidelines/accept", post(guidelines::accept))
        .route("/guidelines/edit", get(guidelines::edit))
        .route(
            "/p/{id}/report",
            get(reports::report_post_form).post(reports::report_post),
        )
        .route(
            "/r/{id}/report",
            get(reports::report_reply_form).post(reports::report_reply),
        )
        .route("/apply", get(applications::show_apply).post(applications::apply))
        // Notifications: the list, marking read, and each person's choices.
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read_one))
        .route(
            "/settings/notifications",
            get(notifications::show_settings).post(notifications::save_settings),
        )
        .route("/notices", get(notifications::old_address))
        .route("/notices/{id}/read", post(notifications::read_one))
        .route(
            "/profile/sessions/revoke",
            get(people::revoke_other_sessions).post(people::revoke_other_sessions),
        );

    // Programs (and pages' scripts), signed in: JSON in and out, errors included.
    let api = Router::new()
        .route("/search", get(search::api_search))
        .fallback(error::not_found)
        .layer(map_response(error::json_errors));

    // Curators (and admins): the feeds they follow and the inbox they triage.
    let curators = Router::new()
        .route("/inbox", get(inbox::show_inbox))
        .route("/digest/note", get(digest::show_note).post(digest::save_note))
        .route("/digest/preview", get(digest::show_preview))
        .route("/inbox/{id}/dismiss", post(inbox::dismiss))
        .route("/inbox/{id}/restore", post(inbox::restore))
        .route("/feeds", get(feeds::list_feeds).post(feeds::add_feed))
        .route("/feeds/import", post(feeds::import_opml))
        .route("/feeds/export.opml", get(feeds::export_opml))
        .route("/feeds/{id}", get(feeds::show_feed).post(feeds::update_feed))
        .route("/feeds/{id}/dry-run", post(feeds::dry_run))
        .route("/feeds/{id}/poll", post(feeds::poll_now))
        .route("/feeds/{id}/delete", get(feeds::remove_feed).post(feeds::remove_feed))
        .route_layer(from_fn(access::curators));

    // Those who manage people (administrators): accounts and invites.
    let people_managers = Router::new()
        .route("/admin/users", get(accounts::list_people))
        .route("/admin/users/{id}", get(accounts::show_person))
        .route("/admin/users/{id}/roles", post(accounts::save_roles))
        .route("/admin/users/{id}/suspend", post(accounts::suspend))
        .route("/admin/users/{id}/reactivate", post(accounts::reactivate))
        .route("/admin/users/{id}/reset-link", post(accounts::send_reset_link))
        .route("/admin/invites", get(admin::list_invites).post(admin::create_invite))
        .route(
            "/admin/invites/{id}/withdraw",
            get(admin::withdraw_invite).post(admin::withdraw_invite),
        )
        .route("/admin/invites/{id}/renew", post(admin::renew_invite))
        .route_layer(from_fn(access::people_managers));

    // Moderators (and administrators): the report queue, acting on what was
    // reported and on people, and the audit log of what was done.
    let moderators = Router::new()
        .route("/moderation", get(moderation::queue))
        .route("/moderation/{kind}/{id}/{action}", post(moderation::act))
        .route("/moderation/people/{id}", get(moderation::person))
        .route("/moderation/people/{id}/warn", post(moderation::warn))
        .route("/moderation/people/{id}/suspend", post(moderation::suspend))
        .route("/moderation/people/{id}/break-glass", post(moderation::break_glass))
        .route("/moderation/incidents/{id}/undo", post(moderation::undo))
        .route("/audit", get(audit::show))
        .route("/audit.csv", get(audit::csv))
        .route_layer(from_fn(access::moderators));

    // Coordinators (and administrators): deciding licence applications and
    // channel requests, and the registers of contributors and channels.
    let coordinators = Router::new()
        .route("/applications", get(applications::list))
        .route("/applications/{id}/approve", post(applications::approve_application))
        .route("/applications/{id}/decline", post(applications::decline_application))
        .route("/channel-requests/{id}/approve", post(applications::approve_request))
        .route("/channel-requests/{id}/decline", post(applications::decline_request))
        .route("/register/contributors", get(registers::contributors))
        .route("/register/contributors.csv", get(registers::contributors_csv))
        .route("/register/channels", get(registers::channels))
        .route("/register/channels.csv", get(registers::channels_csv))
        .route_layer(from_fn(access::coordinators));

    // Those who keep the approved and blocked site lists (administrators).
    let site_keepers = Router::new()
        .route("/admin/sites", get(admin::list_sites).post(admin::put_site))
        .route("/admin/sites/{id}/remove", post(admin::remove_site))
        .route_layer(from_fn(access::site_keepers));

    // Those who oversee the digest's sending (administrators).
    let mail_keepers = Router::new()
        .route("/admin/digest", get(admin::show_digest))
        .route(
            "/admin/digest/refusals/{email}/clear",
            get(admin::clear_refusal).post(admin::clear_refusal),
        )
        .route_layer(from_fn(access::mail_keepers));

    let session_layer = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("commonroom_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies())
        .with_expiry(Expiry::OnSessionEnd);
    let auth_layer = AuthManagerLayerBuilder::new(
        Backend::new(
            state.db.clone(),
            state.signed_in.clone(),
            state.settings.community.open_posting,
        ),
        session_layer,
    )
    .build();

    let timing_header = state.settings.server.timing_header;
    let pages = Router::new()
        .merge(public)
        .merge(staff)
        .nest("/api", api)
        .merge(curators)
        .merge(people_managers)
        .merge(moderators)
        .merge(coordinators)
        .merge(site_keepers)
        .merge(mail_keepers)
        .fallback(error::not_found)
        .with_state(state)
        .layer(CsrfLayer::new())
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        // Inside the sign-in layer, outside everything that can refuse a request.
        .layer(from_fn(error_pages::in_frame))
        .layer(auth_layer)
        // Outside it too: a database fault while restoring the signed-in
        // person is a bare 500 from the sign-in layer, which still becomes a
        // page (or JSON under /api).
        .layer(from_fn(error_pages::in_frame))
        .layer(CompressionLayer::new());
    let mut router = probes.merge(pages).layer(CatchPanicLayer::custom(error::panic_page));
    if timing_header {
        router = router.layer(from_fn(timing::count_statements));
    }
    for layer in security::header_layers() {
        router = router.layer(layer);
    }
    router.layer(TraceLayer::new_for_http())
}
