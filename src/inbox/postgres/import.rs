//! `sshfolio migrate`: the SQLite inbox of a data directory copied into
//! PostgreSQL. Messages are matched by submission id (a second run adds
//! none, and only fills in a read state the copy lacks); deliveries by
//! message and channel; visits by an origin naming the source file and
//! row. The SQLite visitor key becomes the database's if it has none yet,
//! so visitors before and after the move count as the same people.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use tokio_postgres::Transaction;

use super::{PgStore, queries, schema};
use crate::inbox::model::{Delivery, DeliveryState, Message};
use crate::inbox::sqlite::export::Export;
use crate::inbox::visitor_key;

/// Visits read and written per round.
const VISIT_CHUNK: u32 = 5000;

/// What a run copied.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub messages: u64,
    /// Messages there already (an earlier run).
    pub skipped: u64,
    pub visits: u64,
    /// Deliveries still to make, now the replicas' to make.
    pub deliveries: u64,
}

/// Copies the inbox in `data` into `store`'s database. The SQLite side is
/// read by this command's own thread: nothing else runs on its runtime.
pub async fn from_sqlite(store: &PgStore, data: &Path) -> Result<Copied> {
    let export = Export::open(data)?;
    let key = visitor_key::load_or_create(data)?;
    let mut client = store.client().await?;
    schema::migrate(&mut client).await?;
    queries::visitor_key(&**client, &key).await?;

    let mut copied = Copied::default();
    let messages = export.messages().context("reading messages")?;
    let deliveries = export.deliveries().context("reading deliveries")?;
    let mut ids: HashMap<i64, i64> = HashMap::with_capacity(messages.len());
    let tx = client.transaction().await?;
    for m in &messages {
        let (id, new) = import_message(&tx, m).await?;
        ids.insert(m.id, id);
        match new {
            true => copied.messages += 1,
            false => copied.skipped += 1,
        }
    }
    for d in &deliveries {
        let Some(&message_id) = ids.get(&d.message_id) else {
            continue;
        };
        if import_delivery(&tx, message_id, d).await? && d.state == DeliveryState::Pending {
            copied.deliveries += 1;
        }
    }
    tx.commit().await.context("committing the messages")?;

    // Visits are named by the file they came from (its key, hashed) and
    // their row there.
    let source = hex::encode(&Sha256::digest(key)[..8]);
    let mut after = 0;
    loop {
        let chunk = export
            .visits_after(after, VISIT_CHUNK)
            .context("reading visits")?;
        let Some(&(last, _)) = chunk.last() else {
            break;
        };
        let origins: Vec<String> = chunk
            .iter()
            .map(|(id, _)| format!("{source}:{id}"))
            .collect();
        let visits: Vec<_> = chunk.into_iter().map(|(_, visit)| visit).collect();
        copied.visits += queries::record_visits(&**client, &visits, Some(&origins)).await?;
        after = last;
    }
    Ok(copied)
}

/// Copies a message unless one with its submission id is there (then only
/// a read state it lacks is filled in); its id here, and whether it is new.
async fn import_message(tx: &Transaction<'_>, m: &Message) -> Result<(i64, bool)> {
    let row = tx
        .query_one(
            "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor,
                                   key_fingerprint, read_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (submission_id)
                 DO UPDATE SET read_at = COALESCE(messages.read_at, EXCLUDED.read_at)
             RETURNING id, (xmax = 0)",
            &queries::stored_fields(m),
        )
        .await
        .with_context(|| format!("copying message {}", m.id))?;
    Ok((row.get(0), row.get(1)))
}

/// Copies a delivery of message `message_id` unless the message has one
/// for that channel; whether it was copied.
async fn import_delivery(tx: &Transaction<'_>, message_id: i64, d: &Delivery) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO deliveries (message_id, channel_key, channel, state, attempts, created_at,
                                     next_attempt_at, last_error, done_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (message_id, channel_key) DO NOTHING",
            &[
                &message_id,
                &d.channel_key,
                &d.channel,
                &d.state.as_str(),
                &(d.attempts as i32),
                &d.created_at,
                &d.next_attempt_at,
                &d.last_error,
                &d.done_at,
            ],
        )
        .await
        .with_context(|| format!("copying a delivery of message {message_id}"))?;
    Ok(n == 1)
}
