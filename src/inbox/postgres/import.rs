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

use super::{PgStore, queries, schema};
use crate::inbox::db::{self, export};
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

/// Copies the inbox in `data` into `store`'s database.
pub async fn from_sqlite(store: &PgStore, data: &Path) -> Result<Copied> {
    let path = data.join(db::FILE);
    if !path.exists() {
        anyhow::bail!("no inbox to copy: {} does not exist", path.display());
    }
    let conn = db::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let key = visitor_key::load_or_create(data)?;
    let mut client = store.client().await?;
    schema::migrate(&mut client).await?;
    queries::offer_visitor_key(&client, &key).await?;
    drop(client);

    let mut copied = Copied::default();
    let messages = export::all_messages(&conn).context("reading messages")?;
    let deliveries = export::all_deliveries(&conn).context("reading deliveries")?;
    let mut ids: HashMap<i64, i64> = HashMap::with_capacity(messages.len());
    let mut client = store.client().await?;
    let tx = client.transaction().await?;
    for m in &messages {
        let (id, new) = queries::import_message(&tx, m).await?;
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
        if queries::import_delivery(&tx, message_id, d).await? && d.state == "pending" {
            copied.deliveries += 1;
        }
    }
    tx.commit().await.context("committing the messages")?;
    drop(client);

    // Visits are named by the file they came from (its key, hashed) and
    // their row there.
    let source = hex::encode(&Sha256::digest(key)[..8]);
    let mut after = 0;
    loop {
        let chunk = export::visits_after(&conn, after, VISIT_CHUNK).context("reading visits")?;
        let Some(&(last, _)) = chunk.last() else {
            break;
        };
        let origins: Vec<String> = chunk
            .iter()
            .map(|(id, _)| format!("{source}:{id}"))
            .collect();
        let rows: Vec<_> = chunk.into_iter().map(|(_, row)| row).collect();
        copied.visits += store.record_visits(&rows, Some(&origins)).await?;
        after = last;
    }
    Ok(copied)
}
