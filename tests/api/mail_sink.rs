//! A real SMTP server for the tests: `tests/smtp/sink.py` (aiosmtpd), which
//! writes every message it accepts to a Maildir and refuses a few addresses
//! the way real servers do (`bounce…` 550 for good, `later…` 451 for now).
//! Without Python's aiosmtpd the tests that need it say so and skip, except
//! under `CI=true`, where that is a failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct MailSink {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

impl MailSink {
    /// Start one on a free port; `None` (with a visible message) if it cannot run here.
    pub fn start() -> Option<MailSink> {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py");
        let child = Command::new("python3")
            .arg(script)
            .arg("--maildir")
            .arg(dir.path().join("Maildir"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(err) => return Self::missing(&format!("python3 could not start: {err}")),
        };
        let mut line = String::new();
        let stdout = child.stdout.take().expect("sink stdout");
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(port) = line.strip_prefix("ready ").and_then(|p| p.trim().parse().ok()) else {
            let _ = child.kill();
            return Self::missing("the SMTP sink did not start (is aiosmtpd installed? pip install aiosmtpd)");
        };
        Some(MailSink { port, child, dir })
    }

    fn missing(why: &str) -> Option<MailSink> {
        assert!(!in_ci(), "a real SMTP server is required under CI=true: {why}");
        eprintln!("SKIPPED ({why}); set CI=true to make this a failure");
        None
    }

    /// Settings that send through this server.
    pub fn configure(&self, settings: &mut commonroom::config::Settings) {
        settings.email.transport = commonroom::config::MailTransport::Smtp;
        settings.email.smtp_host = "127.0.0.1".into();
        settings.email.smtp_port = self.port;
        settings.email.smtp_security = commonroom::config::SmtpSecurity::None;
        settings.email.from = "Commonroom <digest@council.example>".into();
    }

    /// The same, as environment variables for the `commonroom` command.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("COMMONROOM__EMAIL__TRANSPORT", "smtp".into()),
            ("COMMONROOM__EMAIL__SMTP_HOST", "127.0.0.1".into()),
            ("COMMONROOM__EMAIL__SMTP_PORT", self.port.to_string()),
            ("COMMONROOM__EMAIL__SMTP_SECURITY", "none".into()),
            ("COMMONROOM__EMAIL__FROM", "Commonroom <digest@council.example>".into()),
        ]
    }

    /// Every message received so far, as received.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("Maildir").join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(raw) = std::fs::read(entry.path()) {
                    out.push(raw);
                }
            }
        }
        out
    }

    /// How many messages arrived (cheaper than reading them).
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("Maildir").join("new"))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}

/// A received message, parsed.
pub struct Received {
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a parseable message")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().get_headers().get_first_value(name)
    }

    /// The decoded body of the first part of this MIME type.
    pub fn part(&self, mimetype: &str) -> Option<String> {
        fn find(mail: &mailparse::ParsedMail<'_>, mimetype: &str) -> Option<String> {
            if mail.subparts.is_empty() {
                return (mail.ctype.mimetype == mimetype).then(|| mail.get_body().expect("body"));
            }
            mail.subparts.iter().find_map(|p| find(p, mimetype))
        }
        find(&self.parsed(), mimetype)
    }
}

pub fn received(sink: &MailSink) -> Vec<Received> {
    sink.messages().into_iter().map(|raw| Received { raw }).collect()
}
