//! Markdown to safe HTML. pulldown-cmark renders, then ammonia sanitises the
//! result, so raw HTML, `javascript:` links and event handlers never survive.
//! Raw HTML is shown as the text it is, inside ordinary paragraphs; bare web
//! addresses become links; images show as links to them (pictures from
//! other sites stay off); `@handle` mentions of known people become links to
//! their profiles.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::utils::TextMergeStream;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};
use regex::Regex;

use super::handle::Handle;

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^A-Za-z0-9_.@/])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,38}[A-Za-z0-9])?)")
        .unwrap_or_else(|e| panic!("mention pattern is valid: {e}"))
});

/// Where a bare web address may begin (the rest is checked by hand).
static URL_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)https?://|www\.").unwrap_or_else(|e| panic!("address pattern is valid: {e}")));

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .allowed_classes(HashMap::from([("a", HashSet::from(["mention"]))]));
    b
});

/// Every `@handle` written in the text, each once, in order: exactly the
/// mentions [`render`] would link if the person exists.
pub fn mentions(md: &str) -> Vec<Handle> {
    let md = prepare(md);
    let mut seen = Vec::new();
    events(&md, |h| {
        if !seen.contains(h) {
            seen.push(h.clone());
        }
        false
    });
    seen
}

/// Render Markdown to sanitised HTML; `is_person` says which handles exist.
pub fn render(md: &str, is_person: impl Fn(&str) -> bool) -> String {
    let md = prepare(md);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events(&md, |h| is_person(h.as_str())).into_iter());
    SANITISER.clean(&out).to_string()
}

/// The events to render. `is_person` is asked about every mention written
/// where it could be linked (outside code and links); it says whether to link it.
fn events<'a>(md: &'a str, mut is_person: impl FnMut(&Handle) -> bool) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut in_code = 0usize;
    let mut in_link = 0usize;
    let mut image: Option<Image<'a>> = None;
    // Raw HTML left over (inline tags) is shown as the text it is, never interpreted.
    let source = Parser::new_ext(md, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    for event in TextMergeStream::new(source) {
        if let Some(img) = image.as_mut() {
            if img.take(event)
                && let Some(img) = image.take()
            {
                img.into_events(in_link > 0, &mut out);
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                out.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
                out.push(event);
            }
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                out.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(event);
            }
            Event::Start(Tag::Image { dest_url, title, .. }) => image = Some(Image::new(dest_url, title)),
            // Headings inside a post sit below the page's own h1/h2.
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level: demote(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => out.push(Event::End(TagEnd::Heading(demote(level)))),
            Event::Text(text) if in_code == 0 && in_link == 0 => link_mentions(text, &mut is_person, &mut out),
            other => out.push(other),
        }
    }
    out
}

/// An image being read: shown as a link to it, labelled with its alt text
/// (or its address when it has none), so nothing the author wrote is lost.
struct Image<'a> {
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    alt: String,
    depth: usize,
}

impl<'a> Image<'a> {
    fn new(dest_url: CowStr<'a>, title: CowStr<'a>) -> Self {
        Self {
            dest_url,
            title,
            alt: String::new(),
            depth: 1,
        }
    }

    /// Takes one event of the alt text; true at the image's end.
    fn take(&mut self, event: Event<'a>) -> bool {
        match event {
            Event::Text(t) | Event::Code(t) => self.alt.push_str(&t),
            Event::SoftBreak | Event::HardBreak => self.alt.push(' '),
            Event::Start(Tag::Image { .. }) => self.depth += 1,
            Event::End(TagEnd::Image) => self.depth -= 1,
            _ => {}
        }
        self.depth == 0
    }

    /// A link, or only its label inside another link (links cannot nest).
    fn into_events(self, in_link: bool, out: &mut Vec<Event<'a>>) {
        let alt = self.alt.split_whitespace().collect::<Vec<_>>().join(" ");
        let label = match (alt.is_empty(), self.dest_url.is_empty()) {
            (false, _) => format!("Image: {alt}"),
            (true, false) => format!("Image: {}", self.dest_url),
            (true, true) => "Image".to_owned(),
        };
        if in_link || self.dest_url.is_empty() {
            out.push(Event::Text(label.into()));
            return;
        }
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: self.dest_url,
            title: self.title,
            id: CowStr::Borrowed(""),
        }));
        out.push(Event::Text(label.into()));
        out.push(Event::End(TagEnd::Link));
    }
}

fn link_mentions<'a>(text: CowStr<'a>, is_person: &mut impl FnMut(&Handle) -> bool, out: &mut Vec<Event<'a>>) {
    let mut last = 0;
    for cap in MENTION.captures_iter(&text) {
        let (Some(whole), Some(name)) = (cap.get(0), cap.get(2)) else {
            continue;
        };
        let Some(handle) = Handle::parse(name.as_str()) else {
            continue;
        };
        if !is_person(&handle) {
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
    let md = prepare(md);
    let mut text = String::new();
    for event in Parser::new_ext(&md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => text.push(' '),
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
    let md = prepare(md);
    let mut text = String::with_capacity(md.len());
    let mut has_link = false;
    for event in Parser::new_ext(&md, options()) {
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

/// The Markdown as it is parsed, everywhere in this module. Raw HTML that
/// would start an HTML block (which CommonMark passes through untouched,
/// outside any paragraph and with no Markdown inside) has its first tag
/// escaped, so the line reads as text in a paragraph like any other; bare
/// web addresses are marked up as links.
fn prepare(md: &str) -> Cow<'_, str> {
    let mut md = Cow::Borrowed(md);
    // Escaping one block can end it early and let a later line start another.
    for _ in 0..4 {
        let starts = html_block_lines(&md);
        if starts.is_empty() {
            break;
        }
        let mut escaped = String::with_capacity(md.len() + 16 * starts.len());
        let mut last = 0;
        for at in starts {
            escaped.push_str(&md[last..at]);
            // Every mark in the tag is escaped, so it shows exactly as typed
            // (no curly quotes or dashes); the text after it is Markdown.
            let end = md[at..].find(['>', '\n']).map_or(md.len(), |i| {
                if md[at + i..].starts_with('>') {
                    at + i + 1
                } else {
                    at + i
                }
            });
            for c in md[at..end].chars() {
                if c.is_ascii_punctuation() {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            last = end;
        }
        escaped.push_str(&md[last..]);
        md = Cow::Owned(escaped);
    }
    match link_bare_addresses(&md) {
        Some(linked) => Cow::Owned(linked),
        None => md,
    }
}

/// Where each line of an HTML block starts with `<`, in order.
fn html_block_lines(md: &str) -> Vec<usize> {
    if !md.contains('<') {
        return Vec::new();
    }
    let mut starts = Vec::new();
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        if let Event::Html(_) = event
            && let Some(line) = md.get(range.clone())
        {
            let indent = line.len() - line.trim_start().len();
            let at = range.start + indent;
            if line[indent..].starts_with('<') && starts.last() < Some(&at) {
                starts.push(at);
            }
        }
    }
    starts
}

/// The Markdown with bare `http(s)://` and `www.` addresses marked up as
/// links (GitHub's rules: they follow a space, a line start or `*_~(`, and
/// lose trailing punctuation), or `None` when there are none. Code, links,
/// images and raw HTML are left alone.
fn link_bare_addresses(md: &str) -> Option<String> {
    let mut found = URL_START.find_iter(md).peekable();
    found.peek()?;
    let off_limits = off_limits(md);
    let mut out = String::new();
    let mut last = 0;
    for m in found {
        let start = m.start();
        let before = md[..start].chars().next_back();
        if start < last || before.is_some_and(|c| !(c.is_whitespace() || matches!(c, '*' | '_' | '~' | '('))) {
            continue;
        }
        if off_limits.iter().any(|r| r.contains(&start)) {
            continue;
        }
        let limit = off_limits
            .iter()
            .map(|r| r.start)
            .filter(|&s| s > start)
            .min()
            .unwrap_or(md.len());
        let Some(len) = address_len(&md[start..limit], m.len()) else {
            continue;
        };
        let address = &md[start..start + len];
        out.push_str(&md[last..start]);
        if m.as_str().eq_ignore_ascii_case("www.") {
            out.push('[');
            for c in address.chars() {
                if c.is_ascii_punctuation() {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push_str("](<https://");
            out.push_str(address);
            out.push_str(">)");
        } else {
            out.push('<');
            out.push_str(address);
            out.push('>');
        }
        last = start + len;
    }
    if last == 0 {
        return None;
    }
    out.push_str(&md[last..]);
    Some(out)
}

/// Source ranges where an address is not to be linked: code, links,
/// images and raw HTML.
fn off_limits(md: &str) -> Vec<Range<usize>> {
    Parser::new_ext(md, options())
        .into_offset_iter()
        .filter(|(event, _)| {
            matches!(
                event,
                Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock)
                    | Event::Code(_)
                    | Event::Html(_)
                    | Event::InlineHtml(_)
            )
        })
        .map(|(_, range)| range)
        .collect()
}

/// How long the address at the start of `text` is (its scheme or `www.`
/// takes `prefix` bytes), or `None` if it is not one.
fn address_len(text: &str, prefix: usize) -> Option<usize> {
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '\\' | '`'))
        .unwrap_or(text.len());
    let mut address = &text[..end];
    loop {
        let trimmed = address.trim_end_matches(['?', '!', '.', ',', ':', ';', '*', '_', '~', '\'', '"']);
        let trimmed = match trimmed.strip_suffix(')') {
            Some(inner) if trimmed.matches(')').count() > trimmed.matches('(').count() => inner,
            _ => trimmed,
        };
        if trimmed.len() == address.len() {
            break;
        }
        address = trimmed;
    }
    let rest = address.get(prefix..)?;
    let domain_end = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(rest.len());
    let domain = rest[..domain_end].trim_end_matches('.');
    let is_www = !address[..prefix].contains(':');
    let segments: Vec<&str> = domain.split('.').collect();
    let valid = !domain.is_empty()
        && segments.iter().all(|s| !s.is_empty())
        && (is_www || segments.len() > 1)
        && segments.iter().rev().take(2).all(|s| !s.contains('_'));
    valid.then_some(address.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_list_items_and_headings_apart() {
        let md = "# Plan\nA script that:\n- explains routes\n- points to the map\n\n```\ncode\n```\nEnd";
        assert_eq!(
            excerpt(md, 200),
            "Plan A script that: explains routes points to the map code End"
        );
    }

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
    fn raw_html_at_a_line_start_is_text_in_a_paragraph_and_mentions_there_link() {
        let html = render("<script>alert(1)</script> and @gareth.lloyd", anyone);
        assert!(
            html.starts_with(
                r#"<p>&lt;script&gt;alert(1)&lt;/script&gt; and <a class="mention" href="/u/gareth.lloyd""#
            ),
            "{html}"
        );
        let html = render("<div>\nSee **this**, @sam\n</div>", anyone);
        assert!(
            html.starts_with("<p>&lt;div&gt;\nSee <strong>this</strong>, <a class=\"mention\" href=\"/u/sam\""),
            "{html}"
        );
        assert!(html.trim_end().ends_with(">@sam</a>\n&lt;/div&gt;</p>"), "{html}");
        let html = render(
            "- <b>hi</b>\n\n> <p class=\"x\">Hi @ann</p>\n\n<!-- a \"note\" -->",
            anyone,
        );
        assert!(html.contains("<li>&lt;b&gt;hi&lt;/b&gt;</li>"), "{html}");
        assert!(
            html.contains("<blockquote>\n<p>&lt;p class=\"x\"&gt;Hi <a class=\"mention\""),
            "{html}"
        );
        assert!(
            html.contains("<p>&lt;!-- a \"note\" --&gt;</p>"),
            "shown as typed: {html}"
        );
        let names: Vec<_> = mentions("<script>x</script> @gareth.lloyd")
            .iter()
            .map(|h| h.as_str().to_owned())
            .collect();
        assert_eq!(names, ["gareth.lloyd"], "who is told agrees with what is shown");
    }

    #[test]
    fn mentions_are_only_those_that_could_be_linked() {
        let found = mentions("[@ann](https://example.org) ![@bob](https://example.org/b.png) `@cat` @dan");
        let names: Vec<_> = found.iter().map(|h| h.as_str().to_owned()).collect();
        assert_eq!(names, ["dan"]);
    }

    #[test]
    fn bare_addresses_become_links_but_not_in_code_links_or_words() {
        let html = render("See https://www.gov.uk/guidance/x.", anyone);
        assert!(html.contains(r#"href="https://www.gov.uk/guidance/x""#), "{html}");
        assert!(html.contains(">https://www.gov.uk/guidance/x</a>.</p>"), "{html}");
        assert!(html.contains(r#"rel="noopener noreferrer nofollow ugc""#), "{html}");
        let html = render(
            "(see https://en.wikipedia.org/wiki/Grit_(material)) or www.example.org/a_b, **https://x.org/--y**",
            anyone,
        );
        assert!(
            html.contains(r#"href="https://en.wikipedia.org/wiki/Grit_(material)""#),
            "{html}"
        );
        assert!(
            html.contains(">https://en.wikipedia.org/wiki/Grit_(material)</a>)"),
            "{html}"
        );
        assert!(html.contains(r#"href="https://www.example.org/a_b""#), "{html}");
        assert!(html.contains(">www.example.org/a_b</a>,"), "{html}");
        assert!(html.contains(r#"<strong><a href="https://x.org/--y""#), "{html}");
        assert!(html.contains(">https://x.org/--y</a></strong>"), "{html}");
        for (md, links) in [
            ("`https://example.org`", 0),
            ("```\nhttps://example.org\n```", 0),
            ("[read https://example.org](https://example.net)", 1),
            ("<https://example.org>", 1),
            ("xhttps://example.org and https://localhost and www. too", 0),
        ] {
            let html = render(md, anyone);
            assert_eq!(html.matches("<a ").count(), links, "{md}: {html}");
        }
    }

    #[test]
    fn images_show_as_links_and_keep_their_words() {
        let html = render("![Gritting routes](https://example.org/map.png \"Map\")", anyone);
        assert!(html.contains(r#"href="https://example.org/map.png""#), "{html}");
        assert!(html.contains(">Image: Gritting routes</a>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        let html = render("![](https://example.org/map.png)", anyone);
        assert!(html.contains(">Image: https://example.org/map.png</a>"), "{html}");
        let html = render(
            "[![build status](https://ci.example.org/b.svg)](https://ci.example.org)",
            anyone,
        );
        assert_eq!(html.matches("<a ").count(), 1, "links never nest: {html}");
        assert!(html.contains(r#"href="https://ci.example.org""#), "{html}");
        assert!(html.contains(">Image: build status</a>"), "{html}");
    }

    #[test]
    fn excerpt_is_plain_and_bounded() {
        assert_eq!(excerpt("**Bold** words here", 10), "Bold words…");
    }
}
