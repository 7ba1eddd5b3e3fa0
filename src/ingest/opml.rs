//! OPML in and out: the list of feeds a curator follows, with folder names
//! (nested `<outline>`s or a `category` attribute) kept both ways.

use std::io::Cursor;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};

/// One feed from (or for) an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
    /// Folder name ("" for none); nested folders are joined with " / ".
    pub folder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpmlError {
    #[error("this is not an OPML file: {0}")]
    Broken(String),
    #[error("this OPML file lists no feeds")]
    Empty,
}

/// Read every feed in an OPML document, in document order.
pub fn parse(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds = Vec::new();
    let mut saw_opml = false;
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Broken(e.to_string()))?;
        match event {
            Event::Start(ref e) if e.name().as_ref() == "opml" => saw_opml = true,
            Event::Start(ref e) | Event::Empty(ref e) if e.name().as_ref() == "outline" => {
                let is_start = matches!(event, Event::Start(_));
                let attr = |name: &str| -> Option<String> {
                    let a = e.try_get_attribute(name).ok()??;
                    let v = a.normalized_value(XmlVersion::Implicit1_0).ok()?;
                    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
                    (!v.is_empty()).then_some(v)
                };
                let label = attr("title").or_else(|| attr("text"));
                match attr("xmlUrl") {
                    Some(url) => {
                        let mut path: Vec<String> = folders.iter().flatten().cloned().collect();
                        if path.is_empty()
                            && let Some(category) = attr("category")
                        {
                            path.push(category.trim_matches('/').to_owned());
                        }
                        feeds.push(OpmlFeed {
                            title: label.unwrap_or_else(|| url.clone()),
                            url,
                            site_url: attr("htmlUrl"),
                            folder: path.join(" / "),
                        });
                        if is_start {
                            folders.push(None);
                        }
                    }
                    None if is_start => folders.push(label),
                    None => {}
                }
            }
            Event::End(ref e) if e.name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_opml {
        return Err(OpmlError::Broken("there is no <opml> element".into()));
    }
    if feeds.is_empty() {
        return Err(OpmlError::Empty);
    }
    Ok(feeds)
}

/// Write an OPML 2.0 document, one folder outline per folder name.
pub fn export(title: &str, feeds: &[OpmlFeed]) -> String {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    // Writing to memory cannot fail; errors are ignored rather than unwrapped.
    let _ = write(&mut w, title, feeds);
    String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned()
}

fn write(w: &mut Writer<Cursor<Vec<u8>>>, title: &str, feeds: &[OpmlFeed]) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(
        BytesStart::new("opml").with_attributes([("version", "2.0")]),
    ))?;
    w.write_event(Event::Start(BytesStart::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("title")))?;
    w.write_event(Event::Text(BytesText::new(title)))?;
    w.write_event(Event::End(BytesEnd::new("title")))?;
    w.write_event(Event::End(BytesEnd::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("body")))?;
    let mut folders: Vec<&str> = feeds.iter().map(|f| f.folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    for folder in folders {
        if !folder.is_empty() {
            w.write_event(Event::Start(
                BytesStart::new("outline").with_attributes([("text", folder), ("title", folder)]),
            ))?;
        }
        for feed in feeds.iter().filter(|f| f.folder == folder) {
            let mut el = BytesStart::new("outline");
            el.push_attribute(("type", "rss"));
            el.push_attribute(("text", feed.title.as_str()));
            el.push_attribute(("title", feed.title.as_str()));
            el.push_attribute(("xmlUrl", feed.url.as_str()));
            if let Some(site) = &feed.site_url {
                el.push_attribute(("htmlUrl", site.as_str()));
            }
            w.write_event(Event::Empty(el))?;
        }
        if !folder.is_empty() {
            w.write_event(Event::End(BytesEnd::new("outline")))?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("body")))?;
    w.write_event(Event::End(BytesEnd::new("opml")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_outlines_and_categories_become_folders() {
        let text = r#"<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
            <outline text="Local gov">
              <outline text="LGA" type="rss" xmlUrl="https://lga.example/feed" htmlUrl="https://lga.example/"/>
              <outline text="Housing"><outline text="Inside &amp; Out" xmlUrl="https://inside.example/rss"/></outline>
            </outline>
            <outline text="Loose" xmlUrl="https://loose.example/atom" category="/Health"/>
            </body></opml>"#;
        let feeds = parse(text).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(feeds[0].folder, "Local gov");
        assert_eq!(feeds[0].site_url.as_deref(), Some("https://lga.example/"));
        assert_eq!(feeds[1].folder, "Local gov / Housing");
        assert_eq!(feeds[1].title, "Inside & Out");
        assert_eq!(feeds[2].folder, "Health");
    }

    #[test]
    fn export_then_import_gives_the_same_feeds() {
        let feeds = vec![
            OpmlFeed {
                url: "https://a.example/feed?x=1&y=2".into(),
                title: "A <&> \"quoted\"".into(),
                site_url: Some("https://a.example/".into()),
                folder: "Comms".into(),
            },
            OpmlFeed {
                url: "https://b.example/rss".into(),
                title: "B".into(),
                site_url: None,
                folder: String::new(),
            },
        ];
        let mut back = parse(&export("Commonroom feeds", &feeds)).unwrap();
        back.sort_by(|a, b| a.url.cmp(&b.url));
        assert_eq!(back, feeds);
    }

    #[test]
    fn broken_and_empty_files_are_explained() {
        assert!(matches!(
            parse("<html><body>no</body></html>"),
            Err(OpmlError::Broken(_))
        ));
        assert_eq!(parse("<opml><body></body></opml>"), Err(OpmlError::Empty));
        assert!(matches!(parse("<opml><body><outline"), Err(OpmlError::Broken(_))));
    }
}
