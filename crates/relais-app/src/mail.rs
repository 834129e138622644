//! Delivering the email outbox over SMTP (lettre): the use cases queue messages in the same
//! transaction as what they announce; this sender claims due messages, opens their sealed body,
//! sends them and marks them sent (dropping the body), or schedules a retry with a growing delay
//! and gives up after [`MAX_ATTEMPTS`]. Nothing is sent inside a request.
//!
//! Logs name the message id and the SMTP failure's kind, never a recipient or a body.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use relais_access::OsEntropy;
use relais_access::sealed::{SealError, SealingKey};
use relais_core::Clock;
use relais_store::{NewEmail, OutboxEmail, ResourceStore, StoreError};
use tokio::sync::Notify;

use crate::auth::mail_context;

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// Messages claimed per round.
const BATCH: u32 = 20;
/// How long a claimed message is left to one sender before another may try it.
const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the same machine or a private network; tests).
    None,
    /// STARTTLS, required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Where and as whom to send.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The sender address (`Relais <noreply@example.org>`).
    pub from: String,
    pub security: SmtpSecurity,
    /// Login, if the relay asks for one.
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why the sender cannot start.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `from` is not an address. Code `smtp-from-invalid`.
    #[error("smtp-from-invalid: the sender address is not an email address")]
    From,
    /// The relay's TLS parameters could not be set up. Code `smtp-tls-invalid`.
    #[error("smtp-tls-invalid: {0}")]
    Tls(String),
}

/// The outbox sender.
#[derive(Clone)]
pub struct Mailer {
    store: Arc<dyn ResourceStore>,
    clock: Arc<dyn Clock>,
    key: Arc<SealingKey>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A sender over `store`, opening bodies with the same key the use cases sealed them with.
    ///
    /// # Errors
    /// [`MailError`] for an unusable sender address or TLS setup.
    pub fn new(
        store: Arc<dyn ResourceStore>,
        clock: Arc<dyn Clock>,
        smtp: &SmtpSettings,
        sealing_key: &[u8; 32],
    ) -> Result<Self, MailError> {
        let from: Mailbox = smtp.from.parse().map_err(|_| MailError::From)?;
        let builder = match smtp.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|e| MailError::Tls(e.to_string()))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| MailError::Tls(e.to_string()))?,
        };
        let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            store,
            clock,
            key: Arc::new(SealingKey::new(sealing_key)),
            transport: builder.build(),
            from,
        })
    }

    /// One round: claims the due messages and tries each once. Answers how many were sent.
    ///
    /// # Errors
    /// [`StoreError`] when the outbox cannot be read or updated.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let lease_until = now.checked_add(LEASE).unwrap_or(now);
        let due = self.store.claim_due_emails(now, lease_until, BATCH).await?;
        let mut sent = 0;
        for email in due {
            match self.send(&email).await {
                Ok(()) => {
                    self.store.email_sent(&email.id, self.clock.now()).await?;
                    sent += 1;
                }
                Err(kind) => {
                    let retry = retry_at(self.clock.now(), email.attempts);
                    tracing::warn!(email = %email.id, attempts = email.attempts, error = kind, gave_up = retry.is_none(), "email not sent");
                    self.store.email_failed(&email.id, kind, retry).await?;
                }
            }
        }
        Ok(sent)
    }

    /// Runs rounds forever: when woken by `queued` (a use case just queued a message) and at
    /// least every `every` (retries, and messages queued by another node).
    pub fn spawn(self, queued: Arc<Notify>, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "cannot read the email outbox");
                }
                let _ = tokio::time::timeout(every, queued.notified()).await;
            }
        })
    }

    /// Sends one message; the error is a short kind for the outbox row and the log.
    async fn send(&self, email: &OutboxEmail) -> Result<(), &'static str> {
        let sealed = email.body_sealed.as_deref().ok_or("body-missing")?;
        let body = self.key.open(&mail_context(&email.id), sealed).map_err(|_| "body-unreadable")?;
        let body = String::from_utf8(body).map_err(|_| "body-unreadable")?;
        let to: Mailbox = email.recipient.parse().map_err(|_| "recipient-invalid")?;
        // Quoted-printable whatever the text: 7-bit safe through any relay, lines of at most 76
        // characters, accents and the link still readable in the raw message.
        let body = Body::new_with_encoding(body, ContentTransferEncoding::QuotedPrintable)
            .map_err(|_| "body-unsendable")?;
        let builder = Message::builder().from(self.from.clone()).to(to).subject(email.subject.clone());
        let message = match &email.attachment_sealed {
            None => builder.header(ContentType::TEXT_PLAIN).body(body),
            Some(sealed) => {
                // A visit's calendar entry: the text, then the `.ics` (RFC 6047: iTIP over email).
                let calendar = self
                    .key
                    .open(&crate::visits::attachment_context(&email.id), sealed)
                    .map_err(|_| "attachment-unreadable")?;
                let calendar_type = ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                    .map_err(|_| "attachment-invalid")?;
                let method_cancel = calendar.windows(13).any(|w| w == b"METHOD:CANCEL");
                let calendar_type = if method_cancel {
                    ContentType::parse("text/calendar; charset=utf-8; method=CANCEL")
                        .map_err(|_| "attachment-invalid")?
                } else {
                    calendar_type
                };
                let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body);
                let ics = Attachment::new("invitation.ics".to_owned()).body(calendar, calendar_type);
                builder.multipart(MultiPart::mixed().singlepart(text).singlepart(ics))
            }
        }
        .map_err(|_| "message-invalid")?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                "smtp-permanent"
            } else if e.is_transient() {
                "smtp-transient"
            } else {
                "smtp-unreachable"
            }
        })
    }
}

/// What a use case needs to queue email in its own transaction: the key bodies are sealed with
/// (the sender opens them with the same), the texts in each language, the base of the links, and
/// the sender to wake once the transaction is committed.
#[derive(Clone)]
pub struct Outbox {
    key: Arc<SealingKey>,
    texts: Arc<dyn crate::visits::MailTexts>,
    public_url: Arc<str>,
    queued: Arc<Notify>,
}

impl Outbox {
    /// Bodies sealed with `sealing_key`; links start with `public_url`; `queued` wakes the sender.
    pub fn new(
        sealing_key: &[u8; 32],
        texts: Arc<dyn crate::visits::MailTexts>,
        public_url: &str,
        queued: Arc<Notify>,
    ) -> Self {
        Self::from_parts(Arc::new(SealingKey::new(sealing_key)), texts, public_url, queued)
    }

    pub(crate) fn from_parts(
        key: Arc<SealingKey>,
        texts: Arc<dyn crate::visits::MailTexts>,
        public_url: &str,
        queued: Arc<Notify>,
    ) -> Self {
        Self { key, texts, public_url: Arc::from(public_url.trim_end_matches('/')), queued }
    }

    /// The text of `key` in `locale` (`fr` or `en`).
    pub fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        self.texts.text(locale, key, args)
    }

    /// The link to `path` (`/my/readings`) on this server.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// A message for the outbox, its body sealed, due at once.
    pub(crate) fn email(
        &self,
        id: String,
        recipient: &str,
        subject: &str,
        body: &str,
        topic: &str,
        now: Timestamp,
    ) -> Result<NewEmail, SealError> {
        Ok(NewEmail {
            body_sealed: self.key.seal(&mail_context(&id), body.as_bytes(), &OsEntropy)?,
            id,
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            attachment_sealed: None,
            topic: Some(topic.to_owned()),
            created_at: now,
            due_at: None,
        })
    }

    /// Tells the sender that messages were committed to the outbox.
    pub fn wake(&self) {
        self.queued.notify_one();
    }
}

/// When to try again after `attempts` attempts: 30 s, 1 min, 2 min… at most an hour apart;
/// `None` after [`MAX_ATTEMPTS`].
pub fn retry_at(now: Timestamp, attempts: u32) -> Option<Timestamp> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let delay = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20)).min(3600);
    now.checked_add(SignedDuration::from_secs(delay)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour_then_stop() {
        let now: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let delay = |n| retry_at(now, n).map(|t| t.duration_since(now).as_secs());
        assert_eq!(delay(1), Some(30));
        assert_eq!(delay(2), Some(60));
        assert_eq!(delay(3), Some(120));
        assert_eq!(delay(7), Some(1920));
        assert_eq!(delay(MAX_ATTEMPTS), None);
    }
}
