//! The one way mail leaves Commonroom: SMTP in production, `.eml` files in a
//! folder by default (so a demo never emails anyone).

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
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
    /// How bulk sends reach the SMTP server (one connection per courier).
    smtp: SmtpTarget,
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
        let smtp = SmtpTarget {
            host: email.smtp_host.clone(),
            port: email.smtp_port,
            security: email.smtp_security,
            credentials: (!email.smtp_user.is_empty())
                .then(|| Credentials::new(email.smtp_user.clone(), email.smtp_password.expose().to_owned())),
        };
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
            smtp,
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

/// Where the SMTP server is and how to talk to it, for bulk sends.
struct SmtpTarget {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
}

/// One message for a bulk send: its recipient, its Message-ID and the
/// headers lists need (`List-Id`, `List-Unsubscribe`…), and its parts.
pub struct Outgoing {
    pub to: String,
    pub message_id: String,
    pub headers: Vec<(&'static str, String)>,
    pub rendered: Rendered,
}

/// Why a message did not go.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The mail server answered no: for good (5xx) or for now (4xx).
    #[error("the mail server said {code}: {message}")]
    Refused {
        code: u16,
        permanent: bool,
        message: String,
    },
    /// The server could not be reached, or the connection broke before the
    /// message's content was sent: nothing arrived.
    #[error("could not reach the mail server: {0}")]
    Unreachable(String),
    /// The connection broke after the content was sent and before the
    /// server answered: it may have arrived.
    #[error("the connection broke while the message was handed over: {0}")]
    Uncertain(String),
    /// The caller's last check before handing over said no.
    #[error("the message was no longer ours to send")]
    Abandoned,
    #[error("the message could not be built: {0}")]
    Invalid(String),
    #[error(transparent)]
    Check(anyhow::Error),
}

/// Sends many messages through one connection (SMTP) or into the mail folder.
pub struct Courier<'a> {
    mailer: &'a Mailer,
    connection: Option<AsyncSmtpConnection>,
}

impl Mailer {
    /// A courier for a bulk send; each sender task holds its own.
    pub fn courier(&self) -> Courier<'_> {
        Courier {
            mailer: self,
            connection: None,
        }
    }

    /// Build `outgoing` as it will be sent: From, To, Subject, Date, its
    /// Message-ID and extra headers, plain text and HTML alternatives.
    pub fn build(&self, outgoing: &Outgoing) -> Result<Message, DeliveryError> {
        let to: Mailbox = outgoing
            .to
            .parse()
            .map_err(|_| DeliveryError::Invalid(format!("{:?} is not an address", outgoing.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(outgoing.rendered.subject.clone())
            .message_id(Some(outgoing.message_id.clone()));
        for (name, value) in &outgoing.headers {
            builder = builder.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str(name), value.clone()));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                outgoing.rendered.text.clone(),
                outgoing.rendered.html.clone(),
            ))
            .map_err(|e| DeliveryError::Invalid(e.to_string()))
    }
}

/// A negative SMTP reply, or a broken connection.
fn smtp_error(err: &lettre::transport::smtp::Error, content_sent: bool) -> DeliveryError {
    match err.status() {
        Some(code) if err.is_permanent() || err.is_transient() => DeliveryError::Refused {
            code: code.to_string().parse().unwrap_or(0),
            permanent: err.is_permanent(),
            message: err.to_string(),
        },
        _ if content_sent => DeliveryError::Uncertain(err.to_string()),
        _ => DeliveryError::Unreachable(err.to_string()),
    }
}

impl Courier<'_> {
    async fn connect(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let target = &self.mailer.smtp;
        let hello = ClientId::default();
        let timeout = std::time::Duration::from_secs(20);
        let tls = || TlsParameters::new(target.host.clone()).map_err(|e| smtp_error(&e, false));
        let mut connection = match target.security {
            SmtpSecurity::Tls => AsyncSmtpConnection::connect_tokio1(
                (target.host.as_str(), target.port),
                Some(timeout),
                &hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(|e| smtp_error(&e, false))?,
            SmtpSecurity::None | SmtpSecurity::Starttls => {
                // Our own socket, to turn off Nagle's algorithm: lettre sends
                // a message's content and its closing dot in two writes, and
                // the second would wait for the server's delayed ACK of the
                // first (tens of milliseconds per message).
                let stream = tokio::time::timeout(
                    timeout,
                    tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
                )
                .await
                .map_err(|_| DeliveryError::Unreachable("connecting timed out".to_owned()))?
                .map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
                stream
                    .set_nodelay(true)
                    .map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                    .await
                    .map_err(|e| smtp_error(&e, false))?
            }
        };
        if target.security == SmtpSecurity::Starttls {
            connection
                .starttls(tls()?, &hello)
                .await
                .map_err(|e| smtp_error(&e, false))?;
        }
        if let Some(credentials) = &target.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| smtp_error(&e, false))?;
        }
        Ok(connection)
    }

    /// Send `message`. `handing_over` runs once the server is ready for the
    /// content and before any of it is sent (for SMTP: after `DATA` was
    /// answered 354); if it says no, nothing is sent. A refusal before that
    /// point leaves `handing_over` unrun.
    pub async fn deliver<F>(&mut self, message: &Message, handing_over: F) -> Result<(), DeliveryError>
    where
        F: std::future::Future<Output = anyhow::Result<bool>>,
    {
        if let Transport::Files(files) = &self.mailer.transport {
            if !handing_over.await.map_err(DeliveryError::Check)? {
                return Err(DeliveryError::Abandoned);
            }
            files
                .send(message.clone())
                .await
                .map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
            return Ok(());
        }
        let mut connection = match self.connection.take() {
            Some(c) if !c.has_broken() => c,
            _ => self.connect().await?,
        };
        let outcome = Self::transaction(&mut connection, message, handing_over).await;
        match &outcome {
            // The connection is good for the next message after a success or
            // a refusal of this one; after anything else, start afresh.
            Ok(()) | Err(DeliveryError::Refused { .. }) if !connection.has_broken() => {
                if outcome.is_err() {
                    let _ = connection.command(lettre::transport::smtp::commands::Rset).await;
                }
                self.connection = Some(connection);
            }
            _ => connection.abort().await,
        }
        outcome
    }

    async fn transaction<F>(
        connection: &mut AsyncSmtpConnection,
        message: &Message,
        handing_over: F,
    ) -> Result<(), DeliveryError>
    where
        F: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let envelope = message.envelope();
        let body = message.formatted();
        let mut parameters = Vec::new();
        if !body.is_ascii() && connection.server_info().supports_feature(Extension::EightBitMime) {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        connection
            .command(Mail::new(envelope.from().cloned(), parameters))
            .await
            .map_err(|e| smtp_error(&e, false))?;
        for to in envelope.to() {
            connection
                .command(Rcpt::new(to.clone(), Vec::new()))
                .await
                .map_err(|e| smtp_error(&e, false))?;
        }
        connection.command(Data).await.map_err(|e| smtp_error(&e, false))?;
        if !handing_over.await.map_err(DeliveryError::Check)? {
            return Err(DeliveryError::Abandoned);
        }
        connection.message(&body).await.map_err(|e| smtp_error(&e, true))?;
        Ok(())
    }

    /// Say goodbye to the server.
    pub async fn close(mut self) {
        if let Some(mut connection) = self.connection.take() {
            let _ = connection.quit().await;
        }
    }
}
