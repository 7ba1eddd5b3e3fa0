//! OPML in and out: folders survive a round trip through the import form,
//! the export and the command line, and importing twice follows nothing twice.

use super::support::{curator, feed_rows, open, run_cli, upload_opml};
use super::world::fixture;
use crate::helpers::{TestApp, location};

open_world_tests!(
    an_opml_import_keeps_folders_and_the_export_gives_the_same_feeds_back,
    importing_the_same_opml_again_follows_nothing_twice,
    a_file_that_is_not_opml_is_explained_on_the_form,
    the_command_line_imports_opml_twice_without_duplicates,
);

/// `(url, folder)` pairs, sorted.
type Listing = Vec<(String, String)>;

fn subscriptions() -> String {
    String::from_utf8(fixture("subscriptions.opml")).unwrap()
}

fn expected() -> Listing {
    let mut v: Listing = [
        ("https://blog.example.org/feed.json", ""),
        ("https://digital.example.nhs.uk/feed.xml", "Health"),
        ("https://inside.example.net/feed", "Local government / Housing"),
        ("https://lga.example.org/news.rss", "Local government"),
        ("https://wire.example.com/atom.xml", "Local government"),
    ]
    .iter()
    .map(|(u, f)| (u.to_string(), f.to_string()))
    .collect();
    v.sort();
    v
}

/// What the feeds table lists.
async fn listed(cora: &crate::helpers::Browser) -> Listing {
    let mut v: Listing = feed_rows(cora)
        .await
        .into_iter()
        .map(|r| (r.url, if r.folder == "None" { String::new() } else { r.folder }))
        .collect();
    v.sort();
    v
}

/// `(url, folder)` of every feed in an OPML document, read independently of the
/// app: nested folder outlines are joined with " / ".
fn outlines(text: &str) -> Listing {
    use quick_xml::events::{BytesStart, Event};
    let attr = |e: &BytesStart<'_>, name: &str| -> Option<String> {
        let a = e.try_get_attribute(name).ok()??;
        Some(
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()?
                .into_owned(),
        )
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut v: Listing = Vec::new();
    loop {
        match reader.read_event().expect("well-formed OPML") {
            Event::Start(e) if e.name().as_ref() == "outline" => {
                let url = attr(&e, "xmlUrl");
                if let Some(url) = &url {
                    v.push((
                        url.clone(),
                        folders.iter().flatten().cloned().collect::<Vec<_>>().join(" / "),
                    ));
                }
                folders.push(if url.is_some() { None } else { attr(&e, "text") });
            }
            Event::Empty(e) if e.name().as_ref() == "outline" => {
                if let Some(url) = attr(&e, "xmlUrl") {
                    v.push((url, folders.iter().flatten().cloned().collect::<Vec<_>>().join(" / ")));
                }
            }
            Event::End(e) if e.name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    v.sort();
    v
}

async fn an_opml_import_keeps_folders_and_the_export_gives_the_same_feeds_back(app: TestApp) {
    let cora = curator(&app).await;

    let r = upload_opml(&cora, &subscriptions()).await;

    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/feeds");
    let page = cora.text("/feeds").await;
    assert!(
        page.contains("Imported 5 new feeds; 0 already followed; 1 skipped (not web addresses)."),
        "{page}"
    );
    assert_eq!(listed(&cora).await, expected());
    let titles: Vec<String> = feed_rows(&cora).await.into_iter().map(|r| r.title).collect();
    assert!(titles.contains(&"Inside Housing & Planning".to_owned()), "{titles:?}");

    let r = cora.get("/feeds/export.opml").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/x-opml")
    );
    let exported = r.text().await.unwrap();
    assert_eq!(outlines(&exported), expected(), "{exported}");

    // The export imports into a fresh app as the same feeds and folders.
    let other = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, open)
        .await
        .unwrap();
    let dana = curator(&other).await;
    assert_eq!(upload_opml(&dana, &exported).await.status(), 303);
    assert_eq!(listed(&dana).await, expected());
}

async fn importing_the_same_opml_again_follows_nothing_twice(app: TestApp) {
    let cora = curator(&app).await;
    upload_opml(&cora, &subscriptions()).await;

    let r = upload_opml(&cora, &subscriptions()).await;

    assert_eq!(r.status(), 303);
    assert!(
        cora.text("/feeds")
            .await
            .contains("Imported 0 new feeds; 5 already followed; 1 skipped (not web addresses).")
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 5);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'poll_feed'").await,
        5,
        "one poll job per feed"
    );
    assert_eq!(listed(&cora).await, expected());
}

async fn a_file_that_is_not_opml_is_explained_on_the_form(app: TestApp) {
    let cora = curator(&app).await;

    let r = upload_opml(&cora, "<html><body>my bookmarks</body></html>").await;

    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Could not import: this is not an OPML file"), "{page}");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 0);
}

async fn the_command_line_imports_opml_twice_without_duplicates(app: TestApp) {
    let file = app.data_dir().join("subscriptions.opml");
    std::fs::write(&file, subscriptions()).unwrap();
    let path = file.to_str().unwrap();

    let first = run_cli(&app, &["feeds", "import-opml", path]).await;
    let second = run_cli(&app, &["feeds", "import-opml", path]).await;

    assert!(
        first.contains("Imported 5 new feeds; 0 already followed; 1 skipped (not web addresses)."),
        "{first}"
    );
    assert!(
        second.contains("Imported 0 new feeds; 5 already followed; 1 skipped (not web addresses)."),
        "{second}"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 5);
    let cora = curator(&app).await;
    assert_eq!(listed(&cora).await, expected());
    let list = run_cli(&app, &["feeds", "list"]).await;
    assert!(
        list.contains("Inside Housing & Planning [Local government / Housing]"),
        "{list}"
    );
    assert!(list.contains("https://digital.example.nhs.uk/feed.xml"), "{list}");
    assert!(list.contains("not fetched yet"), "{list}");
}
