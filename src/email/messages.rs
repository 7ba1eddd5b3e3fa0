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

#[cfg(test)]
mod tests {
    use super::PasswordReset;

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
}
