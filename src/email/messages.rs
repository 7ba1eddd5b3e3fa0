//! The messages Commonroom sends. Each has a subject, a text and an HTML
//! template in `templates/email/<name>/`.

use askama::Template;

use super::mailer::Rendered;

macro_rules! email {
    ($name:ident, $subject:literal, $text:literal, $html:literal, { $($field:ident : $ty:ty),* $(,)? }) => {
        /// The values the templates in `templates/email/` use.
        pub struct $name {
            $(pub $field: $ty),*
        }

        impl $name {
            pub fn render(&self) -> askama::Result<Rendered> {
                #[derive(Template)]
                #[template(path = $subject)]
                #[allow(dead_code, reason = "some subjects are fixed text and use no field")]
                struct Subject<'a> { m: &'a $name }
                #[derive(Template)]
                #[template(path = $text)]
                struct Text<'a> { m: &'a $name }
                #[derive(Template)]
                #[template(path = $html)]
                struct Html<'a> { m: &'a $name }
                Ok(Rendered {
                    subject: Subject { m: self }.render()?.trim().to_owned(),
                    text: Text { m: self }.render()?,
                    html: Html { m: self }.render()?,
                })
            }
        }
    };
}

email!(SignupLink, "email/signup/subject.txt", "email/signup/body.txt", "email/signup/body.html", { link: String, hours: i64 });
email!(
    SignupExisting,
    "email/signup_existing/subject.txt",
    "email/signup_existing/body.txt",
    "email/signup_existing/body.html",
    { sign_in: String }
);
email!(
    SubscriptionConfirm,
    "email/subscription_confirm/subject.txt",
    "email/subscription_confirm/body.txt",
    "email/subscription_confirm/body.html",
    { link: String, hours: i64, channels: Vec<String> }
);
email!(
    SubscriptionExisting,
    "email/subscription_existing/subject.txt",
    "email/subscription_existing/body.txt",
    "email/subscription_existing/body.html",
    { manage: String }
);
email!(
    SubscriptionAccount,
    "email/subscription_account/subject.txt",
    "email/subscription_account/body.txt",
    "email/subscription_account/body.html",
    { settings: String }
);
email!(
    PasswordReset,
    "email/password_reset/subject.txt",
    "email/password_reset/body.txt",
    "email/password_reset/body.html",
    { name: String, link: String, hours: i64, by_admin: bool }
);
email!(
    BreakGlassAlert,
    "email/break_glass/subject.txt",
    "email/break_glass/body.txt",
    "email/break_glass/body.html",
    { name: String, by: String, hidden: usize, since: String, reason: String, link: String }
);
email!(
    LicenceDecision,
    "email/licence_decision/subject.txt",
    "email/licence_decision/body.txt",
    "email/licence_decision/body.html",
    { name: String, coordinator: String, approved: bool, reason: String, link: String, guidelines: String }
);
email!(
    ChannelDecision,
    "email/channel_decision/subject.txt",
    "email/channel_decision/body.txt",
    "email/channel_decision/body.html",
    { name: String, coordinator: String, channel: String, manager: String, approved: bool, reason: String, link: String }
);

/// One notification in a notification email: what happened, an excerpt, its link.
pub struct NotificationLine {
    pub what: String,
    pub excerpt: String,
    pub link: String,
}

email!(
    NotificationEmail,
    "email/notifications/subject.txt",
    "email/notifications/body.txt",
    "email/notifications/body.html",
    { name: String, items: Vec<NotificationLine>, list: String, settings: String, unsubscribe: String }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn reset(by_admin: bool, hours: i64) -> PasswordReset {
        PasswordReset {
            name: "Kim Lee".into(),
            link: "https://commonroom.example/password/reset/abc123".into(),
            hours,
            by_admin,
        }
    }

    #[test]
    fn a_reset_link_asked_for() {
        let m = reset(false, 1).render().unwrap();
        assert_eq!(m.subject, "Choose a new Commonroom password");
        insta::assert_snapshot!(m.text);
    }

    #[test]
    fn a_reset_link_an_administrator_sent() {
        let m = reset(true, 24).render().unwrap();
        assert!(
            m.html
                .contains(r#"<a href="https://commonroom.example/password/reset/abc123">"#)
        );
        insta::assert_snapshot!(m.text);
    }

    fn licence(approved: bool) -> LicenceDecision {
        LicenceDecision {
            name: "Zoe Campbell".into(),
            coordinator: "Hannah Whitfield".into(),
            approved,
            reason: if approved {
                String::new()
            } else {
                "Please do the social media training first.".into()
            },
            link: if approved {
                "https://commonroom.example/channels".into()
            } else {
                "https://commonroom.example/apply".into()
            },
            guidelines: "https://commonroom.example/guidelines".into(),
        }
    }

    fn both(r: &Rendered) -> String {
        format!("Subject: {}\n\n{}", r.subject, r.text)
    }

    #[test]
    fn licence_approved() {
        insta::assert_snapshot!(both(&licence(true).render().unwrap()));
    }

    #[test]
    fn licence_declined() {
        insta::assert_snapshot!(both(&licence(false).render().unwrap()));
    }

    #[test]
    fn channel_approved_and_declined() {
        let mut m = ChannelDecision {
            name: "Tom Okafor".into(),
            coordinator: "Hannah Whitfield".into(),
            channel: "Bin rounds".into(),
            manager: "Marcus Bell".into(),
            approved: true,
            reason: String::new(),
            link: "https://commonroom.example/c/bin-rounds".into(),
        };
        let approved = both(&m.render().unwrap());
        m.approved = false;
        m.reason = "Highways already covers collections.".into();
        m.link = "https://commonroom.example/channels/request".into();
        let declined = both(&m.render().unwrap());
        insta::assert_snapshot!(format!("{approved}\n----\n{declined}"));
    }

    #[test]
    fn the_html_part_says_the_same_and_escapes_the_reason() {
        let mut m = licence(false);
        m.reason = "<b>Not yet</b>".into();
        let html = m.render().unwrap().html;
        assert!(!html.contains("<b>Not yet") && html.contains("Not yet"), "{html}");
        assert!(html.contains("https://commonroom.example/apply"), "{html}");
    }

    #[test]
    fn notifications_batched_in_one_email() {
        let line = |what: &str, excerpt: &str, id: i64| NotificationLine {
            what: what.into(),
            excerpt: excerpt.into(),
            link: format!("https://commonroom.example/p/{id}"),
        };
        let m = NotificationEmail {
            name: "Cy Jones".into(),
            items: vec![
                line(
                    "Bo Evans mentioned you in “Salt stock” in Comms",
                    "@cy how much is left?",
                    3,
                ),
                line(
                    "Bo Evans mentioned you in “Plough cover” in Comms",
                    "And @cy, who drives?",
                    4,
                ),
            ],
            list: "https://commonroom.example/notifications".into(),
            settings: "https://commonroom.example/settings/notifications".into(),
            unsubscribe: "https://commonroom.example/unsubscribe/notifications/abc".into(),
        }
        .render()
        .unwrap();
        assert!(m.html.contains(r#"<a href="https://commonroom.example/p/3">"#));
        insta::assert_snapshot!(both(&m));
    }
}
