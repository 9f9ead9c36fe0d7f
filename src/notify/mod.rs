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

pub use channel::{Channel, Channels, Target};
pub use retry::Outcome;
pub use text::rfc3339;

use crate::inbox::OutboxMessage;

/// The longest one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a notification tells the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `message.received`, or `test` for `sshfolio notify test`.
    pub kind: &'static str,
    /// The same on every retry of one delivery (`webhook-id`).
    pub id: String,
    /// The message's id in the inbox (0 for a test).
    pub message_id: i64,
    /// Unix seconds.
    pub received_at: i64,
    pub name: String,
    pub contact: String,
    pub message: String,
    pub key_fingerprint: Option<String>,
}

impl Notification {
    /// The notification of a stored message, for delivery `delivery_id`.
    pub fn of_message(delivery_id: i64, message: &OutboxMessage) -> Notification {
        Notification {
            kind: "message.received",
            id: format!("msg_{delivery_id}"),
            message_id: message.id,
            received_at: message.received_at,
            name: message.name.clone(),
            contact: message.contact.clone(),
            message: message.body.clone(),
            key_fingerprint: message.key_fingerprint.clone(),
        }
    }

    /// A test, for `sshfolio notify test`.
    pub fn test(now: i64) -> Notification {
        Notification {
            kind: "test",
            id: format!("test_{now}"),
            message_id: 0,
            received_at: now,
            name: "sshfolio".into(),
            contact: String::new(),
            message: "This is a test notification from `sshfolio notify test`: \
                      messages visitors leave will arrive here."
                .into(),
            key_fingerprint: None,
        }
    }
}

/// The webhook signing key from `--notify-secret`: a `whsec_…` secret is
/// base64 (as Standard Webhooks defines), any other string is the key as
/// it is.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    match secret.strip_prefix("whsec_") {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| "--notify-secret: a whsec_ secret is base64 after the prefix".to_string()),
        None if secret.is_empty() => Err("--notify-secret: empty".into()),
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
