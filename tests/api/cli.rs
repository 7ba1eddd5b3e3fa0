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
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
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
        &["--email", "Boss@Example.org", "--name", "The Boss", "--role", "admin"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created admin account boss@example.org"));

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
        stderr.contains("invalid value") && stderr.contains("[possible values: member, curator, admin]"),
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
