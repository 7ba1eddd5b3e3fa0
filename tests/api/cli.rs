//! The command line: migrate, user add, and demo data that loads once.

use std::io::Write;
use std::process::{Command, Stdio};

use commonroom::demo;
use commonroom::store::users;

use crate::helpers::{Backend, TestApp, spawn_app};

/// `commonroom --data-dir <data_dir> …`, on that directory's SQLite database.
fn commonroom(data_dir: &std::path::Path) -> Command {
    let mut cmd = crate::helpers::commonroom();
    cmd.arg("--data-dir").arg(data_dir);
    cmd
}

/// `commonroom user add ARGS…` with a good password piped to it.
fn user_add(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut child = commonroom(data_dir)
        .args(["user", "add"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses before reading the password closes its end
    // first: the write then meets a broken pipe, which is not the failure.
    if let Err(err) = child.stdin.take().unwrap().write_all(b"a long enough password\n") {
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "{err}");
    }
    child.wait_with_output().unwrap()
}

#[test]
fn migrate_then_user_add_with_password_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = commonroom(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("commonroom.db").exists());

    let out = user_add(
        dir.path(),
        &[
            "--email",
            "Boss@Example.org",
            "--name",
            "The Boss",
            "--role",
            "admin,curator",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Created account boss@example.org") && said.contains("admin, curator"),
        "{said}"
    );

    // A second account with the same address is refused with a clear message.
    let out = user_add(
        dir.path(),
        &["--email", "boss@example.org", "--name", "Again", "--role", "member"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = user_add(
        dir.path(),
        &["--email", "x@example.org", "--name", "X", "--role", "wizard"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value")
            && stderr.contains("[possible values: member, contributor, curator, moderator, coordinator, admin]"),
        "{stderr}"
    );
}

#[test]
fn user_add_keeps_the_name_rules_the_forms_keep() {
    let dir = tempfile::tempdir().unwrap();
    let add = |name: &str| user_add(dir.path(), &["--email", "sam@example.org", "--name", name]);

    for (name, says) in [
        ("   ", "Enter your name as colleagues know it."),
        (&"x".repeat(101)[..], "Keep your name under 100 characters."),
    ] {
        let out = add(name);
        assert!(!out.status.success(), "{name:?} was accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says), "{name:?}");
    }
    let out = add("  Sam Jones  ");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn settings_come_from_a_toml_file_and_environment_variables() {
    let from_file = tempfile::tempdir().unwrap();
    let config = from_file.path().join("commonroom.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[server]\nlisten = \"127.0.0.1:0\"\n",
            from_file.path().join("db")
        ),
    )
    .unwrap();
    let out = crate::helpers::commonroom()
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(from_file.path().join("db").join("commonroom.db").exists());

    let from_env = tempfile::tempdir().unwrap();
    let out = crate::helpers::commonroom()
        .arg("migrate")
        .current_dir(from_env.path())
        .env("COMMONROOM__DATA_DIR", from_env.path().join("elsewhere"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(from_env.path().join("elsewhere").join("commonroom.db").exists());
}

#[test]
fn a_misspelt_time_zone_stops_the_start_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();

    let out = commonroom(dir.path())
        .arg("migrate")
        .env("COMMONROOM__CURATION__TIMEZONE", "Europe/Londn")
        .output()
        .unwrap();

    assert!(!out.status.success(), "a time zone typo must not start in UTC");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"Europe/Londn\" is not a time zone name") && stderr.contains("curation.timezone"),
        "{stderr}"
    );
    assert!(!dir.path().join("commonroom.db").exists(), "nothing was started");

    let out = commonroom(dir.path())
        .arg("migrate")
        .env("COMMONROOM__CURATION__TIMEZONE", "America/New_York")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_digest_schedule_that_is_not_one_stops_the_start_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();

    let out = commonroom(dir.path())
        .arg("migrate")
        .env("COMMONROOM__DIGEST__SCHEDULE", "every monday")
        .output()
        .unwrap();

    assert!(!out.status.success(), "an unreadable schedule must not start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a schedule") && stderr.contains("0 8 * * MON") && stderr.contains("digest.schedule"),
        "{stderr}"
    );

    let out = commonroom(dir.path())
        .arg("migrate")
        .env("COMMONROOM__DIGEST__SCHEDULE", "30 7 * * TUE")
        .env("COMMONROOM__DIGEST__TIMEZONE", "Europe/Dublin")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

crate::on_both_backends!(demo_data_loads_once_and_signs_in);

async fn demo_data_loads_once_and_signs_in(app: TestApp) {
    assert!(matches!(
        demo::load(&app.db).await.unwrap(),
        demo::Outcome::Loaded { .. }
    ));
    let counts = (
        users::count(&app.db).await.unwrap(),
        app.sql_i64("SELECT COUNT(*) FROM posts").await,
        app.sql_i64("SELECT COUNT(*) FROM replies").await,
    );
    assert_eq!(counts.0, 20);
    assert!(counts.1 >= 40 && counts.2 >= 100, "{counts:?}");
    assert!(matches!(
        demo::load(&app.db).await.unwrap(),
        demo::Outcome::AlreadyHasData
    ));
    assert_eq!(users::count(&app.db).await.unwrap(), counts.0);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, counts.1);

    let login = &demo::logins()[0];
    let browser = app.browser();
    assert_eq!(browser.sign_in(&login.email, demo::DEMO_PASSWORD).await.status(), 303);
    let home = browser.text("/").await;
    assert!(home.contains("post-card"));

    // The coordinator finds an application waiting; every channel has a manager.
    let hannah = app.browser();
    let r = hannah
        .sign_in("hannah.whitfield@brackenshire.example", demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    let page = hannah.text("/applications").await;
    assert!(
        page.contains("Zoe Campbell") && page.contains("Claire Dobson"),
        "{page}"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(DISTINCT channel_id) FROM channel_managers")
            .await,
        app.sql_i64("SELECT COUNT(*) FROM channels").await
    );
}

#[tokio::test]
async fn generated_bulk_posts_page_through_the_feed() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    demo::load(&app.db).await.unwrap();
    let before = app.sql_i64("SELECT COUNT(*) FROM posts").await;
    demo::generate::posts(&app.db, 450, 7, |_| {}).await.unwrap();
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await - before, 450);
    assert_eq!(
        app.sql_i64(
            "SELECT COUNT(*) FROM posts p WHERE reply_count <> (SELECT COUNT(*) FROM replies r WHERE r.post_id = p.id)"
        )
        .await,
        0,
        "reply counts match the replies generated"
    );
}

crate::on_both_backends!(accounts_are_run_from_the_command_line);

/// `commonroom user …` on the app's database; (success, stdout, stderr).
async fn user(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = app
        .command_in(dir.path())
        .arg("user")
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn accounts_are_run_from_the_command_line(app: TestApp) {
    use commonroom::domain::role::Role;
    let bo = app.signed_in("bo", Role::Member).await;
    app.create_user("cy", Role::Member).await;
    let audit = |action: &str| format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'");
    assert_eq!(bo.get("/inbox").await.status(), 403);

    // A role given takes effect on the next request of the open session.
    let (ok, out, err) = user(&app, &["role", "--email", "BO@example.org", "--add", "curator"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("member, curator"), "{out}");
    assert_eq!(bo.get("/inbox").await.status(), 200);
    assert_eq!(app.sql_i64(&audit("user.roles")).await, 1);

    // Refused, and nothing changes: taking away "member", a role that does
    // not exist, an address nobody has, nothing to do.
    let (ok, _, err) = user(&app, &["role", "--email", "bo@example.org", "--remove", "member"]).await;
    assert!(!ok && err.contains("everyone is a member"), "{err}");
    let (ok, _, err) = user(&app, &["role", "--email", "bo@example.org", "--add", "wizard"]).await;
    assert!(!ok && err.contains("wizard"), "{err}");
    let (ok, _, err) = user(&app, &["suspend", "--email", "nobody@example.org"]).await;
    assert!(
        !ok && err.contains("nobody has the address nobody@example.org"),
        "{err}"
    );
    let (ok, _, err) = user(&app, &["role", "--email", "bo@example.org"]).await;
    assert!(!ok && err.contains("--add or --remove"), "{err}");
    assert_eq!(app.sql_i64(&audit("user.roles")).await, 1);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM user_roles WHERE role = 'curator'")
            .await,
        1
    );

    // Suspended: the open browser is signed out on its next request, and
    // signing in again fails.
    let (ok, out, err) = user(
        &app,
        &["suspend", "--email", "bo@example.org", "--reason", "laptop stolen"],
    )
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("signed out of 1 session"), "{out}");
    let r = bo.get("/").await;
    assert_eq!(r.status(), 303);
    assert!(crate::helpers::location(&r).starts_with("/login"));
    let again = app.browser();
    assert_ne!(
        again.sign_in("bo@example.org", crate::helpers::PASSWORD).await.status(),
        303,
        "a suspended account cannot sign in"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.suspend' AND detail = 'laptop stolen'")
            .await,
        1
    );
    let (_, out, _) = user(&app, &["suspend", "--email", "bo@example.org"]).await;
    assert!(out.contains("already suspended"), "{out}");

    let (ok, out, _) = user(&app, &["list", "--status", "suspended"]).await;
    assert!(ok);
    let line = out
        .lines()
        .find(|l| l.starts_with("bo@example.org"))
        .unwrap_or_default();
    assert!(line.contains("suspended") && line.contains("member, curator"), "{out}");
    assert!(!out.contains("cy@example.org"), "{out}");
    assert!(out.trim_end().ends_with("1 account"), "{out}");

    let (ok, out, _) = user(&app, &["reactivate", "--email", "bo@example.org"]).await;
    assert!(ok && out.contains("can sign in again"), "{out}");
    assert_eq!(
        again.sign_in("bo@example.org", crate::helpers::PASSWORD).await.status(),
        303
    );
    assert_eq!(app.sql_i64(&audit("user.reactivate")).await, 1);
}
