//! The one way mail leaves Commonroom: SMTP in production, `.eml` files in a
//! folder by default (so a demo never emails anyone).

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{EmailSettings, MailTransport, Settings, SmtpSecurity};

/// A message ready to send: subject, plain text and HTML bodies.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub enum Transport {
    Files(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    /// Where file-transport messages go (shown in logs so people can find them).
    files_dir: Option<PathBuf>,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let email: &EmailSettings = &settings.email;
        let from: Mailbox = email
            .from
            .parse()
            .with_context(|| format!("email.from {:?} is not an address", email.from))?;
        let (transport, files_dir) = match email.transport {
            MailTransport::Smtp => {
                let mut builder = match email.smtp_security {
                    SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&email.smtp_host),
                    SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&email.smtp_host)?,
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&email.smtp_host)?,
                }
                .port(email.smtp_port)
                .timeout(Some(std::time::Duration::from_secs(20)));
                if !email.smtp_user.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        email.smtp_user.clone(),
                        email.smtp_password.expose().to_owned(),
                    ));
                }
                (Transport::Smtp(builder.build()), None)
            }
            MailTransport::Files => {
                let dir = email
                    .files_dir
                    .clone()
                    .unwrap_or_else(|| settings.data_dir.join("mail"));
                std::fs::create_dir_all(&dir).with_context(|| format!("creating mail folder {}", dir.display()))?;
                (Transport::Files(AsyncFileTransport::new(&dir)), Some(dir))
            }
        };
        Ok(Self {
            from,
            transport,
            files_dir,
        })
    }

    pub async fn send(&self, to: &str, message: Rendered) -> anyhow::Result<()> {
        let to: Mailbox = to.parse().with_context(|| format!("{to:?} is not an address"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(message.subject)
            .multipart(MultiPart::alternative_plain_html(message.text, message.html))
            .context("building the message")?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(email).await.context("sending by SMTP")?;
            }
            Transport::Files(files) => {
                let id = files.send(email).await.context("writing the message file")?;
                if let Some(dir) = &self.files_dir {
                    tracing::info!(to = %to, file = %dir.join(format!("{id}.eml")).display(), "email written to a file");
                }
            }
        }
        Ok(())
    }
}
