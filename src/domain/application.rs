//! What people ask the coordinators for: a licence to post (why, which
//! channels, training, their manager) and a new channel (name, address,
//! purpose, who will manage it), and where each stands. Parsed here once,
//! at the edge; the store and the service trust them.

use super::form::FormErrors;
use super::slug::ChannelSlug;

/// Longest "why" on a licence application.
pub const WHY_MAX: usize = 2000;
/// Longest manager's name.
pub const MANAGER_MAX: usize = 100;
/// Longest channel name (as the new channel form allows).
pub const NAME_MAX: usize = 80;
/// Longest purpose: it becomes the channel's description.
pub const PURPOSE_MAX: usize = 500;

/// Where an application or a channel request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a coordinator.
    Pending,
    Approved,
    Declined,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "Waiting for a coordinator",
            Status::Approved => "Approved",
            Status::Declined => "Declined",
        }
    }

    /// A stored status; anything unknown reads as still waiting, so it is
    /// never taken for a decision nobody made.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "approved" => Status::Approved,
            "declined" => Status::Declined,
            _ => Status::Pending,
        }
    }
}

/// What a coordinator decided, with the reason a decline always gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline(super::moderation::Reason),
}

impl Decision {
    pub fn status(&self) -> Status {
        match self {
            Decision::Approve => Status::Approved,
            Decision::Decline(_) => Status::Declined,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Approve => None,
            Decision::Decline(r) => Some(r.as_str()),
        }
    }
}

/// Required text, trimmed, at most `max` characters.
fn required(
    errors: &mut FormErrors,
    field: &'static str,
    raw: &str,
    max: usize,
    empty: &'static str,
    long: &'static str,
) -> String {
    let text = raw.trim();
    if text.is_empty() {
        errors.add(field, empty);
    } else if text.chars().count() > max {
        errors.add(field, long);
    }
    text.to_owned()
}

/// A licence application as typed. Which channels exist and are open is
/// the service's to check; this only knows they are ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceApplication {
    pub why: String,
    pub channels: Vec<i64>,
    pub trained: bool,
    pub manager_name: String,
}

impl LicenceApplication {
    /// From the form's fields: `trained` is `yes` or `no`, and must be one.
    pub fn parse(why: &str, channels: &[String], trained: &str, manager_name: &str) -> Result<Self, FormErrors> {
        let mut errors = FormErrors::new();
        let why = required(
            &mut errors,
            "why",
            why,
            WHY_MAX,
            "Say why you would like a licence to post.",
            "Keep it under 2,000 characters.",
        );
        let mut ids: Vec<i64> = Vec::new();
        for raw in channels {
            match raw.trim().parse::<i64>() {
                Ok(id) if !ids.contains(&id) => ids.push(id),
                Ok(_) => {}
                Err(_) => errors.add("channels", "Choose channels from the list."),
            }
        }
        if ids.is_empty() {
            errors.add("channels", "Choose at least one channel you would post in.");
        }
        let trained = match trained.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.add("trained", "Say whether you have done the training.");
                None
            }
        };
        let manager_name = required(
            &mut errors,
            "manager_name",
            manager_name,
            MANAGER_MAX,
            "Give your manager's name.",
            "Keep the name under 100 characters.",
        );
        errors.into_result(()).map(|()| Self {
            why,
            channels: ids,
            trained: trained.unwrap_or_default(),
            manager_name,
        })
    }
}

/// A request for a new open channel, as typed. The proposed manager is a
/// handle here; the service finds the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRequest {
    pub name: String,
    pub slug: ChannelSlug,
    pub purpose: String,
    pub manager_handle: String,
}

impl ChannelRequest {
    /// From the form's fields; an empty address is made from the name, and
    /// an empty manager is the person asking (`own_handle`).
    pub fn parse(name: &str, slug: &str, purpose: &str, manager: &str, own_handle: &str) -> Result<Self, FormErrors> {
        let mut errors = FormErrors::new();
        let name = required(
            &mut errors,
            "name",
            name,
            NAME_MAX,
            "Give the channel a name.",
            "Keep the name under 80 characters.",
        );
        let slug = if slug.trim().is_empty() {
            ChannelSlug::from_name(&name).ok_or("Choose a web address: lower-case letters, digits and hyphens.")
        } else {
            ChannelSlug::parse(slug)
        };
        let slug = slug.map_err(|m| errors.add("slug", m)).ok();
        let purpose = required(
            &mut errors,
            "purpose",
            purpose,
            PURPOSE_MAX,
            "Say what the channel is for: it becomes its description.",
            "Keep the purpose under 500 characters.",
        );
        let manager = manager.trim().trim_start_matches('@').to_lowercase();
        let manager_handle = if manager.is_empty() {
            own_handle.to_owned()
        } else {
            manager
        };
        match (errors.into_result(()), slug) {
            (Ok(()), Some(slug)) => Ok(Self {
                name,
                slug,
                purpose,
                manager_handle,
            }),
            (Err(errors), _) => Err(errors),
            (Ok(()), None) => Err(FormErrors::with("slug", "Choose a web address.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[&str]) -> Vec<String> {
        raw.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_application_needs_every_answer() {
        let ok = LicenceApplication::parse(" To share news ", &ids(&["3", "3", "5"]), "no", " Pat Lee ").unwrap();
        assert_eq!(ok.why, "To share news");
        assert_eq!(ok.channels, vec![3, 5]);
        assert!(!ok.trained);
        assert_eq!(ok.manager_name, "Pat Lee");

        let errors = LicenceApplication::parse(" ", &[], "", "").unwrap_err();
        for field in ["why", "channels", "trained", "manager_name"] {
            assert!(errors.has(field), "{field}");
        }
        let errors =
            LicenceApplication::parse(&"é".repeat(WHY_MAX + 1), &ids(&["x"]), "maybe", &"a".repeat(101)).unwrap_err();
        for field in ["why", "channels", "trained", "manager_name"] {
            assert!(errors.has(field), "{field}");
        }
    }

    #[test]
    fn a_channel_request_defaults_its_address_and_manager() {
        let ok = ChannelRequest::parse("Bin Rounds!", "", "Collections news.", "", "ada").unwrap();
        assert_eq!(ok.slug.as_str(), "bin-rounds");
        assert_eq!(ok.manager_handle, "ada");
        let ok = ChannelRequest::parse("Bins", "bins", "Why", "@Bo", "ada").unwrap();
        assert_eq!(ok.manager_handle, "bo");
        let errors = ChannelRequest::parse("", "Bad Slug", " ", "", "ada").unwrap_err();
        for field in ["name", "slug", "purpose"] {
            assert!(errors.has(field), "{field}");
        }
    }

    #[test]
    fn statuses_read_back_and_unknown_is_pending() {
        for s in [Status::Pending, Status::Approved, Status::Declined] {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        assert_eq!(Status::parse("lost"), Status::Pending);
    }
}
