//! The digest's pages (`templates/pages/digest/`): the curators' editor's
//! note and preview, and each reader's archive. `DigestView` is a digest as
//! a web page shows it, drawn by `templates/partials/digest.html` on both
//! the archive and the preview.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::digest::{ArchiveEntry, ArchiveOutline, DigestContents, DigestPost, DigestWeek, NoDigest};
use crate::domain::form::FormErrors;
use crate::domain::post::LinkUrl;
use crate::domain::time::When;

#[derive(Template, WebTemplate)]
#[template(path = "pages/digest/note.html")]
pub struct NotePage {
    pub ctx: PageCtx,
    /// `2026-W47`.
    pub week: String,
    /// "Monday 16 November to Sunday 22 November 2026".
    pub week_days: String,
    pub body: String,
    pub errors: FormErrors,
}

/// A post in a digest, ready to draw.
#[derive(Debug, Clone)]
pub struct PostItem {
    /// Its thread.
    pub href: String,
    pub title: String,
    /// The page a link post shares (web addresses only), and its site.
    pub link: Option<(String, String)>,
    pub excerpt: String,
    pub channel_slug: String,
    /// "3 replies · 1 reaction".
    pub engagement: String,
}

#[derive(Debug, Clone)]
pub struct SectionItem {
    pub slug: String,
    pub name: String,
    pub posts: Vec<PostItem>,
}

#[derive(Debug, Clone)]
pub struct ThreadItem {
    pub href: String,
    pub title: String,
    /// "2 new replies".
    pub news: String,
}

#[derive(Debug, Clone)]
pub struct MentionItem {
    pub href: String,
    pub title: String,
    pub by: String,
}

#[derive(Debug, Clone)]
pub struct ChannelItem {
    pub href: String,
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A digest as a web page shows it (`partials/digest.html`); every item
/// links to its thread (a new channel, to the channel).
#[derive(Debug, Clone)]
pub struct DigestView {
    /// The editor's note, one string per paragraph.
    pub note: Vec<String>,
    pub picks: Vec<PostItem>,
    pub sections: Vec<SectionItem>,
    pub threads: Vec<ThreadItem>,
    pub mentions: Vec<MentionItem>,
    pub new_channels: Vec<ChannelItem>,
}

fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn post_item(post: &DigestPost) -> PostItem {
    PostItem {
        href: format!("/p/{}", post.post_id),
        title: post.title.clone(),
        link: post
            .url
            .as_deref()
            .and_then(|url| LinkUrl::parse(url).ok())
            .map(|url| (url.as_str().to_owned(), url.domain())),
        excerpt: post.excerpt.clone(),
        channel_slug: post.channel_slug.clone(),
        engagement: format!(
            "{} · {}",
            count(post.replies, "reply", "replies"),
            count(post.reactions, "reaction", "reactions")
        ),
    }
}

impl DigestView {
    pub fn new(contents: &DigestContents) -> Self {
        Self {
            note: contents
                .note
                .as_deref()
                .unwrap_or_default()
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            picks: contents.picks.iter().map(post_item).collect(),
            sections: contents
                .sections
                .iter()
                .map(|s| SectionItem {
                    slug: s.slug.clone(),
                    name: s.name.clone(),
                    posts: s.posts.iter().map(post_item).collect(),
                })
                .collect(),
            threads: contents
                .threads
                .iter()
                .map(|t| ThreadItem {
                    href: format!("/p/{}", t.post_id),
                    title: t.title.clone(),
                    news: count(t.new_replies, "new reply", "new replies"),
                })
                .collect(),
            mentions: contents
                .mentions
                .iter()
                .map(|m| MentionItem {
                    href: match m.reply_id {
                        Some(reply) => format!("/p/{}#reply-{reply}", m.post_id),
                        None => format!("/p/{}", m.post_id),
                    },
                    title: m.title.clone(),
                    by: m.by.clone(),
                })
                .collect(),
            new_channels: contents
                .new_channels
                .iter()
                .map(|c| ChannelItem {
                    href: format!("/c/{}", c.slug),
                    slug: c.slug.clone(),
                    name: c.name.clone(),
                    description: c.description.clone(),
                })
                .collect(),
        }
    }

    /// Nothing to link to (an editor's note alone sends no email).
    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
            && self.sections.is_empty()
            && self.threads.is_empty()
            && self.mentions.is_empty()
            && self.new_channels.is_empty()
    }
}

/// Why there is no digest to show, in words.
fn why_none(why: &NoDigest) -> String {
    match why {
        NoDigest::NotYet => "The digest for this week has not been sent yet: it goes out once the week is over.".into(),
        NoDigest::Sending => "This week's digest is being sent. It will be here once it has gone.".into(),
        NoDigest::Empty => "There was nothing for you that week, so no digest was sent.".into(),
        NoDigest::SwitchedOff => "The digest was switched off, so none was sent that week.".into(),
        NoDigest::NotSent(why) => format!("No digest was sent that week: {why}."),
        NoDigest::NeverPlanned => "No digest was sent to you for this week. It may have been before you joined, or \
                                   while the digest was switched off."
            .into(),
    }
}

/// A reader's digest for one week (`/digest/{week}`).
#[derive(Template, WebTemplate)]
#[template(path = "pages/digest/archive.html")]
pub struct ArchivePage {
    pub ctx: PageCtx,
    pub week: String,
    pub week_days: String,
    /// When it was sent, if it was.
    pub sent: Option<When>,
    /// Sent, but the mail server never confirmed taking it.
    pub unconfirmed: bool,
    /// The coming digest, shown as it stands.
    pub coming: bool,
    /// The reader switched the digest off (the coming one will not be emailed).
    pub switched_off: bool,
    /// Why there is nothing to show.
    pub none: Option<String>,
    pub digest: Option<DigestView>,
    /// The reader is signed in (so the page links to their other weeks).
    pub signed_in: bool,
    /// The week before and after, for a signed-in reader.
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl ArchivePage {
    pub fn new(ctx: PageCtx, week: DigestWeek, entry: ArchiveEntry, signed_in: bool, coming: DigestWeek) -> Self {
        let mut page = Self {
            ctx,
            week: week.to_string(),
            week_days: week.describe(),
            sent: None,
            unconfirmed: false,
            coming: false,
            switched_off: false,
            none: None,
            digest: None,
            signed_in,
            previous: signed_in.then(|| week.previous().to_string()),
            next: (signed_in && week < coming).then(|| week.next().to_string()),
        };
        match entry {
            ArchiveEntry::Sent {
                contents,
                at,
                confirmed,
            } => {
                page.sent = at.map(When::new);
                page.unconfirmed = !confirmed;
                page.digest = Some(DigestView::new(&contents));
            }
            ArchiveEntry::Coming { contents, switched_off } => {
                page.coming = true;
                page.switched_off = switched_off;
                page.digest = Some(DigestView::new(&contents));
            }
            ArchiveEntry::None(why) => page.none = Some(why_none(&why)),
        }
        page
    }
}

/// One week in the list of a reader's digests.
#[derive(Debug, Clone)]
pub struct WeekLine {
    pub week: String,
    pub week_days: String,
    /// "Sent 23 Nov", "Coming: not sent yet", "Nothing for you that week"…
    pub what: String,
}

impl WeekLine {
    pub fn new(week: DigestWeek, outline: &ArchiveOutline) -> Self {
        let what = match outline {
            ArchiveOutline::Sent(Some(at)) => format!("Sent on {}", When::new(*at).full()),
            ArchiveOutline::Sent(None) => "Sent".to_owned(),
            ArchiveOutline::Coming => "Not sent yet: see what it holds so far".to_owned(),
            ArchiveOutline::None(why) => match why {
                NoDigest::NotYet => "Not sent yet".to_owned(),
                NoDigest::Sending => "Being sent".to_owned(),
                NoDigest::Empty => "Nothing for you that week".to_owned(),
                NoDigest::SwitchedOff => "Not sent: switched off".to_owned(),
                NoDigest::NotSent(why) => format!("Not sent: {why}"),
                NoDigest::NeverPlanned => "None sent to you".to_owned(),
            },
        };
        Self {
            week: week.to_string(),
            week_days: week.describe(),
            what,
        }
    }
}

/// A reader's latest digests (`/digest`).
#[derive(Template, WebTemplate)]
#[template(path = "pages/digest/index.html")]
pub struct ArchiveIndexPage {
    pub ctx: PageCtx,
    pub weeks: Vec<WeekLine>,
    pub switched_off: bool,
}

/// A person's digest as it stands, for curators (`/digest/preview`).
#[derive(Template, WebTemplate)]
#[template(path = "pages/digest/preview.html")]
pub struct PreviewPage {
    pub ctx: PageCtx,
    /// The form, as typed.
    pub email: String,
    pub week: String,
    /// What the week field says (the coming digest's week is the default).
    pub week_hint: String,
    pub errors: FormErrors,
    /// Why there is nothing to show for that person (suspended, nothing to send).
    pub message: Option<String>,
    pub shown: Option<PreviewShown>,
}

/// What the preview found.
#[derive(Debug, Clone)]
pub struct PreviewShown {
    pub email: String,
    pub week: String,
    pub week_days: String,
    pub subject: String,
    pub switched_off: bool,
    pub digest: DigestView,
    /// The plain-text part, as sent.
    pub text: String,
}
