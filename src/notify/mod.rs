//! Notifications: every stored message also reaches the owner where they
//! already are — a webhook, Discord, Slack, ntfy, email. The channels come
//! from `--notify URL` ([`channel`]); each message's deliveries are
//! queued in the inbox in the message's own transaction, and one worker
//! per channel ([`worker`]) delivers them, retrying what can succeed
//! later ([`retry`]), never inside a visitor's session. Channel URLs hold
//! secrets: only their scheme and host are ever shown.

mod channel;
mod discord;
mod email;
mod ntfy;
mod retry;
mod slack;
mod text;
mod webhook;
pub mod worker;

use std::time::Duration;

use crate::inbox::{Due, Message};
pub use channel::{BadChannel, Channel, Channels, Target};
pub use retry::Outcome;

/// The longest one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One notification: a visitor's message on its way to one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `message.received`, or `test` for `sshfolio notify test`.
    pub kind: &'static str,
    /// The same on every retry of one delivery (`webhook-id`).
    pub id: String,
    /// The message (for a test, one made up to say so).
    pub message: Message,
}

impl Notification {
    /// The notification a claimed delivery makes.
    pub fn of(due: &Due) -> Notification {
        Notification {
            kind: "message.received",
            id: format!("msg_{}", due.delivery.id),
            message: due.message.clone(),
        }
    }

    /// A test, for `sshfolio notify test`.
    pub fn test(now: i64) -> Notification {
        Notification {
            kind: "test",
            id: format!("test_{now}"),
            message: Message {
                received_at: now,
                name: "sshfolio".into(),
                body: "This is a test notification from `sshfolio notify test`: \
                       messages visitors leave will arrive here."
                    .into(),
                ..Message::default()
            },
        }
    }
}

/// Why `--notify-secret` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadSecret {
    #[error("--notify-secret: a whsec_ secret is base64 after the prefix")]
    NotBase64,
    #[error("--notify-secret: empty")]
    Empty,
}

/// The webhook signing key from `--notify-secret`: a `whsec_…` secret is
/// base64 (as Standard Webhooks defines), any other string is the key as
/// it is.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, BadSecret> {
    use base64::Engine as _;
    match secret.strip_prefix("whsec_") {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| BadSecret::NotBase64),
        None if secret.is_empty() => Err(BadSecret::Empty),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// Sends notifications: one HTTP client for every web channel (rustls on
/// the same aws-lc crypto as the SSH side), and the webhook signing key.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    secret: Option<Vec<u8>>,
}

impl Sender {
    pub fn new(secret: Option<Vec<u8>>) -> anyhow::Result<Sender> {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            // A receiver's redirect could send the message elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sshfolio/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("starting the HTTP client: {e}"))?;
        Ok(Sender { http, secret })
    }

    /// One attempt at delivering `notification` to `channel`, within the
    /// attempt timeout.
    pub async fn send(&self, channel: &Channel, notification: &Notification) -> Outcome {
        let attempt = async {
            match &channel.target {
                Target::Webhook(url) => {
                    webhook::send(&self.http, url, self.secret.as_deref(), notification).await
                }
                Target::Discord(url) => discord::send(&self.http, url, notification).await,
                Target::Slack(url) => slack::send(&self.http, url, notification).await,
                Target::Ntfy(topic) => ntfy::send(&self.http, topic, notification).await,
                Target::Email(email) => email::send(email, notification).await,
            }
        };
        match tokio::time::timeout(ATTEMPT_TIMEOUT, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::retry("timed out"),
        }
    }
}
