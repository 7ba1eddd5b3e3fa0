//! The weekly digest as a person reads it. This is the plain-text part,
//! written to read well on its own; every item links to its page, and it
//! ends with the reader's own links.

use std::fmt::Write as _;

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
    let base = links.base.as_str();
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", subject(contents));
    if let Some(note) = &contents.note {
        let _ = writeln!(out, "FROM THE EDITOR\n\n{note}\n");
    }
    if !contents.picks.is_empty() {
        let _ = writeln!(out, "PICKED BY YOUR CURATORS\n");
        for post in &contents.picks {
            write_post(&mut out, post, base, true);
        }
        out.push('\n');
    }
    if !contents.sections.is_empty() {
        let _ = writeln!(out, "WHAT MATTERED IN YOUR CHANNELS\n");
        for section in &contents.sections {
            let _ = writeln!(out, "#{} {}", section.slug, section.name);
            for post in &section.posts {
                write_post(&mut out, post, base, false);
            }
            out.push('\n');
        }
    }
    if !contents.threads.is_empty() {
        let _ = writeln!(out, "NEW REPLIES IN YOUR THREADS\n");
        for thread in &contents.threads {
            let _ = writeln!(
                out,
                "* {}: {}\n  {base}/p/{}",
                thread.title,
                count(thread.new_replies, "new reply", "new replies"),
                thread.post_id
            );
        }
        out.push('\n');
    }
    if !contents.mentions.is_empty() {
        let _ = writeln!(out, "YOU WERE MENTIONED\n");
        for mention in &contents.mentions {
            let anchor = mention.reply_id.map(|r| format!("#reply-{r}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "* {} mentioned you in “{}”\n  {base}/p/{}{anchor}",
                mention.by, mention.title, mention.post_id
            );
        }
        out.push('\n');
    }
    if !contents.new_channels.is_empty() {
        let _ = writeln!(out, "NEW CHANNELS\n");
        for channel in &contents.new_channels {
            let _ = writeln!(out, "* #{} {}", channel.slug, channel.name);
            if !channel.description.is_empty() {
                let _ = writeln!(out, "  {}", channel.description);
            }
            let _ = writeln!(out, "  {base}/c/{}", channel.slug);
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

/// One post: title, link, note, engagement and its page.
fn write_post(out: &mut String, post: &DigestPost, base: &str, with_channel: bool) {
    let _ = writeln!(out, "\n* {}", post.title);
    if let Some(url) = &post.url {
        let _ = writeln!(out, "  {url}");
    }
    if !post.excerpt.is_empty() {
        let _ = writeln!(out, "  {}", post.excerpt);
    }
    let channel = if with_channel {
        format!("#{} · ", post.channel_slug)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {channel}{} · {} · {base}/p/{}",
        count(post.replies, "reply", "replies"),
        count(post.reactions, "reaction", "reactions"),
        post.post_id
    );
}

fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digest::Mention;

    #[test]
    fn the_text_ends_with_the_readers_own_links() {
        let contents = DigestContents {
            week: "2026-W47".parse().unwrap(),
            note: None,
            picks: vec![],
            sections: vec![],
            threads: vec![],
            mentions: vec![Mention {
                post_id: 7,
                reply_id: Some(70),
                title: "Fire doors".to_owned(),
                by: "Cora".to_owned(),
            }],
            new_channels: vec![],
        };
        let base = "https://commonroom.example".to_owned();
        let links = Links {
            view_in_browser: format!("{base}/digest/2026-W47"),
            preferences: format!("{base}/settings/email"),
            unsubscribe: format!("{base}/email/unsubscribe/5f2c9e"),
            base,
        };
        assert_eq!(
            text(&contents, &links),
            "Your Commonroom week: Monday 16 November to Sunday 22 November 2026\n\n\
             YOU WERE MENTIONED\n\n\
             * Cora mentioned you in “Fire doors”\n  https://commonroom.example/p/7#reply-70\n\n\
             --\nView in browser: https://commonroom.example/digest/2026-W47\n\
             Choose what this email covers: https://commonroom.example/settings/email\n\
             Unsubscribe: https://commonroom.example/email/unsubscribe/5f2c9e\n"
        );
    }
}
