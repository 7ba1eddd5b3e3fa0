//! Markdown to safe HTML. pulldown-cmark renders, then ammonia sanitises the
//! result, so raw HTML, `javascript:` links and event handlers never survive.
//! `@handle` mentions of known people become links to their profiles.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use regex::Regex;

use super::handle::Handle;

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^A-Za-z0-9_.@/])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?)")
        .unwrap_or_else(|e| panic!("mention pattern is valid: {e}"))
});

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .allowed_classes(HashMap::from([("a", HashSet::from(["mention"]))]));
    b
});

/// Every `@handle` written in the text (outside code), each once, in order.
pub fn mentions(md: &str) -> Vec<Handle> {
    let mut seen = Vec::new();
    let mut in_code = 0usize;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Text(text) if in_code == 0 => {
                for cap in MENTION.captures_iter(&text) {
                    if let Some(h) = cap.get(2).and_then(|m| Handle::parse(m.as_str()))
                        && !seen.contains(&h)
                    {
                        seen.push(h);
                    }
                }
            }
            _ => {}
        }
    }
    seen
}

/// Render Markdown to sanitised HTML; `is_person` says which handles exist.
pub fn render(md: &str, is_person: impl Fn(&str) -> bool) -> String {
    let mut events = Vec::new();
    let mut in_code = 0usize;
    let mut in_link = 0usize;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                events.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
                events.push(event);
            }
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                events.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                events.push(event);
            }
            // Headings inside a post sit below the page's own h1/h2.
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => events.push(Event::Start(Tag::Heading {
                level: demote(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => events.push(Event::End(TagEnd::Heading(demote(level)))),
            // Raw HTML is shown as the text it is, never interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Text(text) if in_code == 0 && in_link == 0 => link_mentions(text, &is_person, &mut events),
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    SANITISER.clean(&out).to_string()
}

fn link_mentions<'a>(text: CowStr<'a>, is_person: &impl Fn(&str) -> bool, out: &mut Vec<Event<'a>>) {
    let mut last = 0;
    for cap in MENTION.captures_iter(&text) {
        let (Some(whole), Some(name)) = (cap.get(0), cap.get(2)) else {
            continue;
        };
        let Some(handle) = Handle::parse(name.as_str()) else {
            continue;
        };
        if !is_person(handle.as_str()) {
            continue;
        }
        let at = name.start() - 1;
        if at > last {
            out.push(Event::Text(CowStr::from(text[last..at].to_owned())));
        }
        out.push(Event::InlineHtml(CowStr::from(format!(
            r#"<a class="mention" href="/u/{h}">@{h}</a>"#,
            h = handle.as_str()
        ))));
        last = whole.end();
    }
    if last == 0 {
        out.push(Event::Text(text));
    } else if last < text.len() {
        out.push(Event::Text(CowStr::from(text[last..].to_owned())));
    }
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_SMART_PUNCTUATION
}

/// A plain-text excerpt of Markdown, for quotes and previews.
pub fn excerpt(md: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => text.push(' '),
            _ => {}
        }
        if text.len() > max_chars * 4 {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        text
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The words of Markdown as plain text, for the search index, and whether it
/// links anywhere. Raw HTML stays as the text people see on the page.
pub fn plain_text(md: &str) -> (String, bool) {
    let mut text = String::with_capacity(md.len());
    let mut has_link = false;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::Start(Tag::Link { dest_url, .. }) => {
                has_link |= dest_url.starts_with("http://") || dest_url.starts_with("https://");
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => text.push('\n'),
            _ => {}
        }
    }
    has_link |= text.contains("http://") || text.contains("https://");
    (text.trim().to_owned(), has_link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anyone(_: &str) -> bool {
        true
    }

    #[test]
    fn plain_text_keeps_words_and_raw_html_as_text_and_notices_links() {
        let (text, link) = plain_text("# Winter *gritting*\n\nSee <script>x()</script> and `code`.");
        assert_eq!(text, "Winter gritting\nSee <script>x()</script> and code.");
        assert!(!link);
        assert!(plain_text("Read [the plan](https://example.org/plan)").1);
        assert!(plain_text("Bare https://example.org works").1);
        assert!(!plain_text("Mail [us](mailto:a@b.example)").1);
    }

    #[test]
    fn script_and_handlers_are_inert() {
        let html = render(
            "<script>alert(1)</script> <img src=x onerror=alert(1)>\n\nSee [x](javascript:alert(1)) and <a href=\"#\" onclick=\"alert(2)\">y</a>",
            anyone,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(!html.contains("<a href=\"#\" onclick"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn mentions_link_only_known_people() {
        let html = render("Thanks @sam.patel and @nobody, mail a@b.org", |h| h == "sam.patel");
        assert!(html.contains(r#"<a class="mention" href="/u/sam.patel""#), "{html}");
        assert!(!html.contains("/u/nobody"), "{html}");
        assert!(!html.contains("/u/b.org"), "{html}");
    }

    #[test]
    fn mentions_are_found_outside_code() {
        let found = mentions("Hi @Ann and @bob.\n\n```\n@code\n```");
        let names: Vec<_> = found.iter().map(|h| h.as_str().to_owned()).collect();
        assert_eq!(names, ["ann", "bob"]);
    }

    #[test]
    fn headings_sit_below_the_page_headings() {
        let html = render("# Big\n\n## Smaller", anyone);
        assert!(
            html.contains("<h3>Big</h3>") && html.contains("<h4>Smaller</h4>"),
            "{html}"
        );
    }

    #[test]
    fn excerpt_is_plain_and_bounded() {
        assert_eq!(excerpt("**Bold** words here", 10), "Bold words…");
    }
}
