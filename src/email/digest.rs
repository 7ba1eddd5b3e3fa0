//! The weekly digest as a person reads it: the subject, a plain-text part
//! written to read well on its own, and an HTML part
//! (`templates/email/digest/body.html`) that holds the same items. Every
//! item links to its page; both parts end with the reader's own links.

use std::fmt::{self, Write as _};

use askama::Template;

use crate::domain::digest::{DigestContents, DigestPost};

/// Per-recipient addresses the digest links to (absolute URLs).
#[derive(Debug, Clone)]
pub struct Links {
    /// Commonroom's address, e.g. https://commonroom.example (no trailing slash).
    pub base: String,
    /// The permanent archive page of this recipient's digest ("View in browser").
    pub view_in_browser: String,
    /// Where the recipient changes what the digest covers.
    pub preferences: String,
    /// The one-click unsubscribe page for this recipient.
    pub unsubscribe: String,
}

/// The digest's subject line.
pub fn subject(contents: &DigestContents) -> String {
    format!("Your Commonroom week: {}", contents.week.describe())
}

/// The plain-text digest.
pub fn text(contents: &DigestContents, links: &Links) -> String {
    let digest = Digest::new(contents, links);
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", digest.subject);
    if let Some(note) = digest.note {
        let _ = writeln!(out, "FROM THE EDITOR\n\n{note}\n");
    }
    if !digest.picks.is_empty() {
        let _ = writeln!(out, "PICKED BY YOUR CURATORS");
        for post in &digest.picks {
            write_post(&mut out, post);
        }
        out.push('\n');
    }
    if !digest.sections.is_empty() {
        let _ = writeln!(out, "WHAT MATTERED IN YOUR CHANNELS\n");
        for section in &digest.sections {
            let _ = writeln!(out, "#{} {}", section.slug, section.name);
            for post in &section.posts {
                write_post(&mut out, post);
            }
            out.push('\n');
        }
    }
    if !digest.threads.is_empty() {
        let _ = writeln!(out, "NEW REPLIES IN YOUR THREADS\n");
        for thread in &digest.threads {
            let _ = writeln!(out, "* {}: {}\n  {}", thread.title, thread.new_replies, thread.href);
        }
        out.push('\n');
    }
    if !digest.mentions.is_empty() {
        let _ = writeln!(out, "YOU WERE MENTIONED\n");
        for mention in &digest.mentions {
            let _ = writeln!(
                out,
                "* {} mentioned you in “{}”\n  {}",
                mention.by, mention.title, mention.href
            );
        }
        out.push('\n');
    }
    if !digest.new_channels.is_empty() {
        let _ = writeln!(out, "NEW CHANNELS\n");
        for channel in &digest.new_channels {
            let _ = writeln!(out, "* #{} {}", channel.slug, channel.name);
            if !channel.description.is_empty() {
                let _ = writeln!(out, "  {}", channel.description);
            }
            let _ = writeln!(out, "  {}", channel.href);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "--\nView in browser: {}\nChoose what this email covers: {}\nUnsubscribe: {}",
        links.view_in_browser, links.preferences, links.unsubscribe
    );
    out
}

/// The HTML digest: one table-based page with inline styles, for mail
/// programs that read no `<style>` (Outlook among them) and for phones.
pub fn html(contents: &DigestContents, links: &Links) -> String {
    let digest = Digest::new(contents, links);
    let page = HtmlPart {
        preheader: digest.preheader(),
        note: digest.note.map(paragraphs).unwrap_or_default(),
        week: contents.week.describe(),
        links,
        d: &digest,
    };
    // The template prints only strings, so rendering into a String does
    // not fail; if it ever did, the text part still carries everything.
    page.render().unwrap_or_else(|error| {
        tracing::error!(%error, week = %contents.week, "the digest's HTML part did not render");
        String::new()
    })
}

/// One post: title, link, note, engagement and its page.
fn write_post(out: &mut String, post: &PostItem<'_>) {
    let _ = writeln!(out, "\n* {}", post.title);
    if let Some(url) = post.url {
        let _ = writeln!(out, "  {url}");
    }
    if !post.excerpt.is_empty() {
        let _ = writeln!(out, "  {}", post.excerpt);
    }
    let _ = writeln!(out, "  {} · {}", post.meta, post.href);
}

/// The digest's items with their addresses worked out once, so the two
/// parts cannot link to different places.
struct Digest<'a> {
    subject: String,
    note: Option<&'a str>,
    picks: Vec<PostItem<'a>>,
    sections: Vec<SectionItem<'a>>,
    threads: Vec<ThreadItem<'a>>,
    mentions: Vec<MentionItem<'a>>,
    new_channels: Vec<ChannelItem<'a>>,
}

struct PostItem<'a> {
    title: &'a str,
    href: String,
    /// The link a link post shares.
    url: Option<&'a str>,
    excerpt: &'a str,
    /// "#channel · 2 replies · 1 reaction" (the channel only among picks,
    /// which come from all over).
    meta: String,
}

struct SectionItem<'a> {
    slug: &'a str,
    name: &'a str,
    posts: Vec<PostItem<'a>>,
}

struct ThreadItem<'a> {
    title: &'a str,
    href: String,
    new_replies: String,
}

struct MentionItem<'a> {
    title: &'a str,
    by: &'a str,
    href: String,
}

struct ChannelItem<'a> {
    slug: &'a str,
    name: &'a str,
    description: &'a str,
    href: String,
}

impl<'a> Digest<'a> {
    fn new(contents: &'a DigestContents, links: &Links) -> Self {
        let base = links.base.as_str();
        let post = |post: &'a DigestPost, with_channel: bool| {
            let channel = if with_channel {
                format!("#{} · ", post.channel_slug)
            } else {
                String::new()
            };
            PostItem {
                title: &post.title,
                href: format!("{base}/p/{}", post.post_id),
                url: post.url.as_deref(),
                excerpt: &post.excerpt,
                meta: format!(
                    "{channel}{} · {}",
                    count(post.replies, "reply", "replies"),
                    count(post.reactions, "reaction", "reactions")
                ),
            }
        };
        Digest {
            subject: subject(contents),
            note: contents.note.as_deref(),
            picks: contents.picks.iter().map(|p| post(p, true)).collect(),
            sections: contents
                .sections
                .iter()
                .map(|s| SectionItem {
                    slug: &s.slug,
                    name: &s.name,
                    posts: s.posts.iter().map(|p| post(p, false)).collect(),
                })
                .collect(),
            threads: contents
                .threads
                .iter()
                .map(|t| ThreadItem {
                    title: &t.title,
                    href: format!("{base}/p/{}", t.post_id),
                    new_replies: count(t.new_replies, "new reply", "new replies"),
                })
                .collect(),
            mentions: contents
                .mentions
                .iter()
                .map(|m| {
                    let anchor = m.reply_id.map(|r| format!("#reply-{r}")).unwrap_or_default();
                    MentionItem {
                        title: &m.title,
                        by: &m.by,
                        href: format!("{base}/p/{}{anchor}", m.post_id),
                    }
                })
                .collect(),
            new_channels: contents
                .new_channels
                .iter()
                .map(|c| ChannelItem {
                    slug: &c.slug,
                    name: &c.name,
                    description: &c.description,
                    href: format!("{base}/c/{}", c.slug),
                })
                .collect(),
        }
    }

    /// What a mail program shows after the subject in its list of
    /// messages: what this week's digest holds.
    fn preheader(&self) -> String {
        let in_channels: usize = self.sections.iter().map(|s| s.posts.len()).sum();
        let parts = [
            (self.picks.len(), "pick from your curators", "picks from your curators"),
            (in_channels, "post from your channels", "posts from your channels"),
            (
                self.threads.len(),
                "thread with new replies",
                "threads with new replies",
            ),
            (self.mentions.len(), "mention", "mentions"),
            (self.new_channels.len(), "new channel", "new channels"),
        ];
        let parts: Vec<String> = parts
            .into_iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| count(n, one, many))
            .collect();
        parts.join(", ")
    }
}

/// The HTML part's template; everything it prints is escaped by askama.
#[derive(Template)]
#[template(path = "email/digest/body.html")]
struct HtmlPart<'a> {
    d: &'a Digest<'a>,
    links: &'a Links,
    /// "Monday 16 November to Sunday 22 November 2026".
    week: String,
    preheader: String,
    /// The editor's note as paragraphs of lines (it is plain text).
    note: Vec<Vec<&'a str>>,
}

/// Plain text as paragraphs (split at blank lines) of lines. Notes come
/// from a form, so lines may end in CRLF.
fn paragraphs(text: &str) -> Vec<Vec<&str>> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines
        .split(|line| line.is_empty())
        .filter(|paragraph| !paragraph.is_empty())
        .map(<[&str]>::to_vec)
        .collect()
}

fn count<N: fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    if n == N::from(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use regex::Regex;
    use scraper::{Html, Selector};

    use super::*;
    use crate::domain::digest::{ChannelSection, Mention, NewChannel, ThreadNews};

    fn links() -> Links {
        let base = "https://commonroom.example".to_owned();
        Links {
            view_in_browser: format!("{base}/digest/2026-W47"),
            preferences: format!("{base}/settings/email"),
            unsubscribe: format!("{base}/email/unsubscribe/5f2c9e"),
            base,
        }
    }

    fn post(post_id: i64, channel_slug: &str, title: &str, url: Option<&str>, excerpt: &str) -> DigestPost {
        DigestPost {
            post_id,
            channel_slug: channel_slug.to_owned(),
            title: title.to_owned(),
            url: url.map(str::to_owned),
            excerpt: excerpt.to_owned(),
            replies: post_id % 5,
            reactions: post_id % 3,
        }
    }

    /// Only the week is set; each test adds what it needs.
    fn nothing() -> DigestContents {
        DigestContents {
            week: "2026-W47".parse().unwrap(),
            note: None,
            picks: vec![],
            sections: vec![],
            threads: vec![],
            mentions: vec![],
            new_channels: vec![],
        }
    }

    /// A week with something in every section.
    fn week_47() -> DigestContents {
        DigestContents {
            note: Some(
                "Gritting season is here: thank you to everyone who shared their routes.\n\n\
                 Next week we look at the housing register.\nQuestions to the editors as usual."
                    .to_owned(),
            ),
            picks: vec![post(
                101,
                "roads",
                "Winter roads & <b>gritting</b> routes",
                Some("https://www.gov.uk/winter-roads?area=north&year=2026"),
                "Which roads are gritted first, and why the A-roads come before the bus routes.",
            )],
            sections: vec![
                ChannelSection {
                    slug: "housing".to_owned(),
                    name: "Housing".to_owned(),
                    posts: vec![
                        post(
                            202,
                            "housing",
                            "Damp and mould: what tenants told us",
                            None,
                            "Notes from the three drop-in sessions in Northgate.",
                        ),
                        post(
                            203,
                            "housing",
                            "The new allocations policy",
                            Some("https://example.gov.uk/allocations"),
                            "",
                        ),
                    ],
                },
                ChannelSection {
                    slug: "digital".to_owned(),
                    name: "Digital".to_owned(),
                    posts: vec![post(
                        301,
                        "digital",
                        "Retiring the old intranet",
                        None,
                        "The intranet switches off on 31 March; here is what moves where.",
                    )],
                },
            ],
            threads: vec![
                ThreadNews {
                    post_id: 401,
                    title: "Shared drive clean-up".to_owned(),
                    new_replies: 1,
                },
                ThreadNews {
                    post_id: 402,
                    title: "Hybrid meeting rooms".to_owned(),
                    new_replies: 3,
                },
            ],
            mentions: vec![
                Mention {
                    post_id: 501,
                    reply_id: Some(9001),
                    title: "Budget consultation".to_owned(),
                    by: "Ada Lovelace".to_owned(),
                },
                Mention {
                    post_id: 502,
                    reply_id: None,
                    title: "Who knows the planning portal?".to_owned(),
                    by: "Bo Diddley".to_owned(),
                },
            ],
            new_channels: vec![
                NewChannel {
                    slug: "climate".to_owned(),
                    name: "Climate and net zero".to_owned(),
                    description: "Plans, data and questions on the road to 2030.".to_owned(),
                },
                NewChannel {
                    slug: "choir".to_owned(),
                    name: "Staff choir".to_owned(),
                    description: String::new(),
                },
            ],
            ..nothing()
        }
    }

    /// As big as a digest gets: 20 posts with 240-character excerpts, 10
    /// threads, 10 mentions, 5 new channels, and a long note.
    fn full() -> DigestContents {
        let excerpt = "Word ".repeat(48);
        assert_eq!(excerpt.len(), 240);
        let url = "https://www.example.gov.uk/guidance/a-rather-long-address-for-a-shared-page?section=4";
        let long_post = |id: i64, slug: &str| {
            post(
                id,
                slug,
                "A post title that runs as long as titles usually get on Commonroom",
                (id % 2 == 0).then_some(url),
                &excerpt,
            )
        };
        DigestContents {
            note: Some("A note from the editors. ".repeat(80)),
            picks: (1..=5).map(|id| long_post(id, "picks")).collect(),
            sections: (0..3)
                .map(|c| ChannelSection {
                    slug: format!("channel-{c}"),
                    name: format!("Channel number {c}"),
                    posts: (1..=5)
                        .map(|i| long_post(100 * (c + 1) + i, &format!("channel-{c}")))
                        .collect(),
                })
                .collect(),
            threads: (1..=10)
                .map(|id| ThreadNews {
                    post_id: 1000 + id,
                    title: "A thread someone replied to this week, with a longish title".to_owned(),
                    new_replies: id,
                })
                .collect(),
            mentions: (1..=10)
                .map(|id| Mention {
                    post_id: 2000 + id,
                    reply_id: Some(30_000 + id),
                    title: "A thread in which somebody mentioned you by name".to_owned(),
                    by: "Somebody With A Long Name".to_owned(),
                })
                .collect(),
            new_channels: (1..=5)
                .map(|id| NewChannel {
                    slug: format!("new-channel-{id}"),
                    name: format!("New channel {id}"),
                    description: "What the channel is for, in a sentence or two. ".repeat(3),
                })
                .collect(),
            ..nothing()
        }
    }

    /// Every link to a thread, a reply or a channel.
    fn item_links(part: &str) -> BTreeSet<String> {
        let item = Regex::new(r"https://commonroom\.example/(?:p/\d+(?:#reply-\d+)?|c/[a-z0-9-]+)").unwrap();
        item.find_iter(part).map(|m| m.as_str().to_owned()).collect()
    }

    #[test]
    fn text_part_of_a_week() {
        insta::assert_snapshot!(text(&week_47(), &links()));
    }

    #[test]
    fn html_part_of_a_week() {
        insta::assert_snapshot!(html(&week_47(), &links()));
    }

    #[test]
    fn both_parts_link_to_the_same_items() {
        for contents in [week_47(), full()] {
            let (text, html) = (text(&contents, &links()), html(&contents, &links()));
            assert!(item_links(&text).len() >= 10);
            assert_eq!(item_links(&text), item_links(&html));
        }
        let links = item_links(&html(&week_47(), &links()));
        assert!(
            links.contains("https://commonroom.example/p/501#reply-9001"),
            "{links:?}"
        );
        assert!(links.contains("https://commonroom.example/p/502"), "{links:?}");
        assert!(links.contains("https://commonroom.example/c/climate"), "{links:?}");
    }

    #[test]
    fn both_parts_end_with_the_readers_own_links() {
        let contents = week_47();
        let text = text(&contents, &links());
        assert!(
            text.ends_with(
                "--\nView in browser: https://commonroom.example/digest/2026-W47\n\
                 Choose what this email covers: https://commonroom.example/settings/email\n\
                 Unsubscribe: https://commonroom.example/email/unsubscribe/5f2c9e\n"
            ),
            "{text}"
        );
        let html = html(&contents, &links());
        let view = html
            .find(r#"href="https://commonroom.example/digest/2026-W47""#)
            .unwrap();
        let first_item = html.find("/p/").unwrap();
        assert!(view < first_item, "View in browser comes first");
        let unsubscribe = html
            .find(r#"href="https://commonroom.example/email/unsubscribe/5f2c9e""#)
            .unwrap();
        let preferences = html
            .find(r#"href="https://commonroom.example/settings/email""#)
            .unwrap();
        let last_item = html.rfind("/c/").unwrap();
        assert!(last_item < preferences && preferences < unsubscribe);
    }

    #[test]
    fn a_digest_of_one_mention_shows_only_that_section() {
        let contents = DigestContents {
            mentions: vec![Mention {
                post_id: 7,
                reply_id: Some(70),
                title: "Fire doors".to_owned(),
                by: "Cora".to_owned(),
            }],
            ..nothing()
        };
        let html = html(&contents, &links());
        let headings: Vec<&str> = Regex::new(r"<h[1-6][^>]*>([^<]*)</h[1-6]>")
            .unwrap()
            .captures_iter(&html)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(headings, ["Your Commonroom week", "You were mentioned"]);
        assert!(html.contains(r#"Cora mentioned you in <a href="https://commonroom.example/p/7#reply-70""#));
        let text = text(&contents, &links());
        for absent in [
            "FROM THE EDITOR",
            "PICKED",
            "WHAT MATTERED",
            "NEW REPLIES",
            "NEW CHANNELS",
        ] {
            assert!(!text.contains(absent), "{absent} in\n{text}");
        }
        assert!(text.contains("YOU WERE MENTIONED\n\n* Cora mentioned you in “Fire doors”\n"));
    }

    #[test]
    fn headings_follow_the_sections_in_order() {
        let html = html(&week_47(), &links());
        let headings: Vec<String> = Regex::new(r"<(h[1-6])[^>]*>([^<]*)</h[1-6]>")
            .unwrap()
            .captures_iter(&html)
            .map(|c| format!("{} {}", &c[1], &c[2]))
            .collect();
        assert_eq!(
            headings,
            [
                "h1 Your Commonroom week",
                "h2 From the editor",
                "h2 Picked by your curators",
                "h2 What mattered in your channels",
                "h3 #housing Housing",
                "h3 #digital Digital",
                "h2 New replies in your threads",
                "h2 You were mentioned",
                "h2 New channels",
            ]
        );
    }

    #[test]
    fn html_is_a_self_contained_table_layout() {
        let html = html(&full(), &links());
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"en-GB\">"),
            "{}",
            &html[..80]
        );
        assert!(html.contains(r#"<meta charset="utf-8">"#));
        assert!(html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        assert!(html.contains("max-width:600px"));
        assert_eq!(
            html.matches("<table").count(),
            html.matches(r#"<table role="presentation""#).count()
        );
        let lower = html.to_lowercase();
        for banned in ["<img", "<script", "<style", "<link", "javascript:", "url("] {
            assert!(!lower.contains(banned), "{banned}");
        }
    }

    #[test]
    fn html_escapes_what_people_write() {
        let contents = DigestContents {
            picks: vec![post(
                1,
                "it",
                "<script>alert(1)</script> Fish & chips",
                Some("https://example.org/?a=1&b=<2>"),
                "Use <b>bold</b> & see",
            )],
            threads: vec![ThreadNews {
                post_id: 2,
                title: "\"Quoted\" <i>thread</i>".to_owned(),
                new_replies: 2,
            }],
            mentions: vec![Mention {
                post_id: 3,
                reply_id: None,
                title: "Tea & biscuits".to_owned(),
                by: "<Mallory>".to_owned(),
            }],
            note: Some("<img src=x onerror=alert(1)>".to_owned()),
            ..nothing()
        };
        let html = html(&contents, &links());
        for raw in ["<script", "<b>", "<i>", "<Mallory>", "<img", "b=<2>", "Fish & chips"] {
            assert!(!html.contains(raw), "{raw} was not escaped");
        }
        // Read back as a browser would, each shows what was written.
        let page = Html::parse_document(&html);
        let read = |css: &str| -> Vec<String> {
            let selector = Selector::parse(css).unwrap();
            page.select(&selector).map(|e| e.text().collect()).collect()
        };
        assert!(read("script").is_empty() && read("img").is_empty());
        assert_eq!(
            read(r#"a[href="https://commonroom.example/p/1"]"#),
            ["<script>alert(1)</script> Fish & chips"]
        );
        assert_eq!(
            read(r#"a[href="https://example.org/?a=1&b=<2>"]"#),
            ["https://example.org/?a=1&b=<2>"]
        );
        assert_eq!(
            read(r#"a[href="https://commonroom.example/p/2"]"#),
            ["\"Quoted\" <i>thread</i>"]
        );
        assert!(read("p").contains(&"<Mallory> mentioned you in Tea & biscuits".to_owned()));
        assert!(read("p").contains(&"<img src=x onerror=alert(1)>".to_owned()));
        // The plain-text part is not HTML and shows what was written.
        assert!(text(&contents, &links()).contains("* <script>alert(1)</script> Fish & chips"));
    }

    #[test]
    fn a_full_digest_stays_well_under_the_size_mail_programs_clip() {
        // Gmail cuts messages off at about 102 KB; stay clear of it.
        let html = html(&full(), &links());
        assert!(html.len() < 100_000, "{} bytes", html.len());
        assert!(html.len() > 20_000, "the fixture is not full: {} bytes", html.len());
    }

    #[test]
    fn the_editors_note_keeps_its_paragraphs_and_lines() {
        assert_eq!(
            paragraphs("One.\n\nTwo,\nthree.  \n\n\n\nFour."),
            [vec!["One."], vec!["Two,", "three."], vec!["Four."]]
        );
        assert_eq!(
            paragraphs("One.\r\n \r\nTwo,\r\nthree."),
            [vec!["One."], vec!["Two,", "three."]]
        );
        let html = html(&week_47(), &links());
        assert!(html.contains("Next week we look at the housing register.<br>Questions to the editors as usual.</p>"));
    }

    #[test]
    fn the_preheader_says_what_the_week_holds() {
        let digest_links = links();
        let contents = week_47();
        let digest = Digest::new(&contents, &digest_links);
        assert_eq!(
            digest.preheader(),
            "1 pick from your curators, 3 posts from your channels, 2 threads with new replies, 2 mentions, 2 new channels"
        );
    }
}
