//! The inbox's words, one type each, whatever store keeps them: a
//! visitor's [`Message`] from the form to the database, the owner's
//! views and the channels; its [`Delivery`] to each channel, in a
//! [`DeliveryState`]; a [`Visit`]; and what a submit, a claim or an
//! attempt comes to. Rows of either database are read into these through
//! [`Columns`], once, so both stores mean the same by every field.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::clock;

/// A visitor's message: what the form sends (`id` 0, `received_at` 0),
/// what the database keeps, what the owner reads and what the channels
/// deliver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The inbox's number for it; 0 until it is stored.
    pub id: i64,
    /// Chosen by the form: the same id twice stores one message.
    pub submission_id: String,
    /// Unix seconds; set when it is stored.
    pub received_at: i64,
    pub name: String,
    pub contact: String,
    pub body: String,
    /// Where it came from: used for the limits, never stored.
    pub peer: Option<IpAddr>,
    /// The keyed hash of the address, as stored.
    pub visitor: String,
    /// SHA256 fingerprint of a key the visitor proved they hold.
    pub key_fingerprint: Option<String>,
    /// When the owner marked it read.
    pub read_at: Option<i64>,
    /// Its notifications, channel by channel (when listed for the owner).
    pub deliveries: Vec<Delivery>,
}

impl Message {
    pub fn is_read(&self) -> bool {
        self.read_at.is_some()
    }
}

/// `sshfolio messages --json`: the message as the owner's tools read it.
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Message", 8)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("received_at", &clock::rfc3339(self.received_at))?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("contact", &self.contact)?;
        s.serialize_field("message", &self.body)?;
        s.serialize_field("key_fingerprint", &self.key_fingerprint)?;
        s.serialize_field("read", &self.is_read())?;
        s.serialize_field("deliveries", &self.deliveries)?;
        s.end()
    }
}

/// Where one message's notification to one channel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    /// As the databases store it and `--json` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// From the database; anything unknown is a failure to look at.
    pub fn parse(text: &str) -> DeliveryState {
        match text {
            "pending" => DeliveryState::Pending,
            "delivered" => DeliveryState::Delivered,
            _ => DeliveryState::Failed,
        }
    }
}

/// One message's notification to one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub message_id: i64,
    /// The channel's stable key (a hash of its URL).
    pub channel_key: String,
    /// What the owner sees of the channel: scheme and host.
    pub channel: String,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was queued (again), unix seconds.
    pub created_at: i64,
    /// When the next attempt is due, unix seconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    /// When it was delivered or failed for good.
    pub done_at: Option<i64>,
}

impl Serialize for Delivery {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Delivery", 4)?;
        s.serialize_field("channel", &self.channel)?;
        s.serialize_field("state", self.state.as_str())?;
        s.serialize_field("attempts", &self.attempts)?;
        s.serialize_field("last_error", &self.last_error)?;
        s.end()
    }
}

/// Gives each message its deliveries.
pub fn attach(messages: &mut [Message], deliveries: Vec<Delivery>) {
    let mut by_message: HashMap<i64, Vec<Delivery>> = HashMap::new();
    for delivery in deliveries {
        by_message
            .entry(delivery.message_id)
            .or_default()
            .push(delivery);
    }
    for message in messages {
        message.deliveries = by_message.remove(&message.id).unwrap_or_default();
    }
}

/// A change the owner makes to the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Mark one message read.
    Read(i64),
    /// Mark every message read.
    AllRead,
    Unread(i64),
    /// Delete a message and its deliveries.
    Delete(i64),
    /// Queue a message's failed deliveries again.
    Redeliver(i64),
}

/// A channel as the outbox knows it: a stable key (a hash of its URL, so
/// no secret is stored) and what the owner sees (scheme and host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    pub key: String,
    pub label: String,
}

/// A delivery that is due, claimed for one attempt, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub delivery: Delivery,
    pub message: Message,
}

/// Deliveries claimed, and when the channel's next one is due (unix
/// seconds) if it has any left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    pub due: Vec<Due>,
    pub next_due: Option<i64>,
}

/// How an attempt at a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Try again at this time.
    Retry {
        at: i64,
        error: String,
    },
    /// No more tries.
    Failed {
        error: String,
    },
}

/// A channel's deliveries not yet made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub channel: String,
    pub pending: u64,
    pub failed: u64,
}

/// What a store made of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, with this id.
    New(i64),
    /// This submission was stored before (a second press, a retry).
    Duplicate(i64),
    /// Over the hourly limit; the visitor may write again in this many
    /// seconds.
    Limited { retry_after_secs: i64 },
}

/// What the visitor is told about a message they sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitResult {
    /// Durably stored (now, or by an earlier press of the same form).
    Sent,
    /// Over the hourly limit; may write again after this long.
    Limited(Duration),
    /// A field is empty or too long (the form prevents this).
    Invalid,
    /// Could not be stored (disk full, read-only, locked, corrupt, the
    /// database away…).
    Failed,
}

/// One finished session, as the session knows it and the stores keep it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visit {
    /// Unix seconds.
    pub started_at: i64,
    pub duration_ms: i64,
    /// Where it came from: hashed into `visitor` before it is stored.
    pub peer: Option<IpAddr>,
    /// The keyed hash of the address, as stored.
    pub visitor: String,
    /// The client's SSH version string.
    pub client: String,
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    /// Section names seen, comma-separated.
    pub sections: String,
    pub left_message: bool,
    /// How the visitor came ([`VisitKind::label`]).
    pub kind: String,
}

/// How a visitor came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// The interactive UI, in a PTY.
    Tui,
    /// A shell without a PTY: the plain-text résumé.
    Plain,
    /// An exec command, by name.
    Exec(&'static str),
    /// An exec command that does not exist.
    UnknownCommand,
}

impl VisitKind {
    /// How `sshfolio stats` and the database name it.
    pub fn label(self) -> String {
        match self {
            VisitKind::Tui => "tui".into(),
            VisitKind::Plain => "plain".into(),
            VisitKind::Exec(name) => format!("exec {name}"),
            VisitKind::UnknownCommand => "exec unknown".into(),
        }
    }
}

/// A row of either database, read by column index: the one way stored
/// fields become the types above. Integers are read as 64-bit (queries
/// cast narrower columns), times as Unix seconds.
pub trait Columns {
    fn int(&self, index: usize) -> anyhow::Result<i64>;
    fn opt_int(&self, index: usize) -> anyhow::Result<Option<i64>>;
    fn text(&self, index: usize) -> anyhow::Result<String>;
    fn opt_text(&self, index: usize) -> anyhow::Result<Option<String>>;
}

impl Message {
    /// From the columns of the shared `MESSAGE_COLUMNS`, starting
    /// at `at`.
    pub fn from_columns(row: &impl Columns, at: usize) -> anyhow::Result<Message> {
        Ok(Message {
            id: row.int(at)?,
            submission_id: row.text(at + 1)?,
            received_at: row.int(at + 2)?,
            name: row.text(at + 3)?,
            contact: row.text(at + 4)?,
            body: row.text(at + 5)?,
            peer: None,
            visitor: row.text(at + 6)?,
            key_fingerprint: row.opt_text(at + 7)?,
            read_at: row.opt_int(at + 8)?,
            deliveries: Vec::new(),
        })
    }
}

impl Delivery {
    /// From the columns of the shared `DELIVERY_COLUMNS`, starting
    /// at `at`.
    pub fn from_columns(row: &impl Columns, at: usize) -> anyhow::Result<Delivery> {
        Ok(Delivery {
            id: row.int(at)?,
            message_id: row.int(at + 1)?,
            channel_key: row.text(at + 2)?,
            channel: row.text(at + 3)?,
            state: DeliveryState::parse(&row.text(at + 4)?),
            attempts: u32::try_from(row.int(at + 5)?.max(0)).unwrap_or(u32::MAX),
            created_at: row.int(at + 6)?,
            next_attempt_at: row.int(at + 7)?,
            last_error: row.opt_text(at + 8)?,
            done_at: row.opt_int(at + 9)?,
        })
    }
}

impl Backlog {
    /// From a row of the shared `BACKLOG` query.
    pub fn from_columns(row: &impl Columns) -> anyhow::Result<Backlog> {
        Ok(Backlog {
            channel: row.text(0)?,
            pending: row.int(1)?.max(0) as u64,
            failed: row.int(2)?.max(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_what_the_owner_tools_read() {
        let m = Message {
            id: 3,
            received_at: 300,
            name: "Ada".into(),
            body: "hi".into(),
            read_at: Some(400),
            deliveries: vec![Delivery {
                id: 1,
                message_id: 3,
                channel_key: "k".into(),
                channel: "https://h.example".into(),
                state: DeliveryState::Failed,
                attempts: 2,
                created_at: 300,
                next_attempt_at: 300,
                last_error: Some("HTTP 404".into()),
                done_at: Some(310),
            }],
            ..Message::default()
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"id":3,"received_at":"1970-01-01T00:05:00Z","name":"Ada","contact":"","message":"hi","key_fingerprint":null,"read":true,"deliveries":[{"channel":"https://h.example","state":"failed","attempts":2,"last_error":"HTTP 404"}]}"#
        );
        for state in [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ] {
            assert_eq!(DeliveryState::parse(state.as_str()), state);
        }
    }
}
