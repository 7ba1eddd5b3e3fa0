//! The reactions staff can leave on posts and replies.

use std::fmt;

use super::text::WriteTo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReactionKind {
    Like,
    Thanks,
    Insightful,
}

impl ReactionKind {
    pub const ALL: [ReactionKind; 3] = [ReactionKind::Like, ReactionKind::Thanks, ReactionKind::Insightful];

    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Like => "like",
            ReactionKind::Thanks => "thanks",
            ReactionKind::Insightful => "insightful",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReactionKind::Like => "Like",
            ReactionKind::Thanks => "Thanks",
            ReactionKind::Insightful => "Insightful",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            ReactionKind::Like => "👍",
            ReactionKind::Thanks => "🙏",
            ReactionKind::Insightful => "💡",
        }
    }
}

/// What is reacted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Post(i64),
    Reply(i64),
}

impl Target {
    pub fn id(self) -> i64 {
        match self {
            Target::Post(id) | Target::Reply(id) => id,
        }
    }

    /// Where its reaction form posts: `/p/12/react`, `/r/7/react`.
    pub fn action(self) -> Action {
        Action(self)
    }

    /// Its reactions' element id on a page, before `-reactions`: `post-12`, `reply-7`.
    pub fn anchor(self) -> Anchor {
        Anchor(self)
    }
}

/// [`Target::action`] as written out: a fixed path around a number.
#[derive(Debug, Clone, Copy)]
pub struct Action(Target);

/// [`Target::anchor`] as written out: a fixed word and a number.
#[derive(Debug, Clone, Copy)]
pub struct Anchor(Target);

/// `before`, the number and `after`, as one piece of text.
fn around<W: fmt::Write + ?Sized>(out: &mut W, before: &str, id: i64, after: &str) -> fmt::Result {
    out.write_str(before)?;
    out.write_str(itoa::Buffer::new().format(id))?;
    out.write_str(after)
}

impl WriteTo for Action {
    fn write_to<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        match self.0 {
            Target::Post(id) => around(out, "/p/", id, "/react"),
            Target::Reply(id) => around(out, "/r/", id, "/react"),
        }
    }
}

impl WriteTo for Anchor {
    fn write_to<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        match self.0 {
            Target::Post(id) => around(out, "post-", id, ""),
            Target::Reply(id) => around(out, "reply-", id, ""),
        }
    }
}

super::text::displayed_as_written!(Action, Anchor);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_names_its_form_and_its_place() {
        let post = Target::Post(120_034);
        let reply = Target::Reply(-7);
        assert_eq!(post.action().to_string(), "/p/120034/react");
        assert_eq!(post.anchor().to_string(), "post-120034");
        assert_eq!(reply.action().to_string(), "/r/-7/react");
        assert_eq!(reply.anchor().to_string(), "reply--7");
    }
}
