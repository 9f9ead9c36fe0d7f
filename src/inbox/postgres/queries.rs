//! The PostgreSQL store's operations, with the inbox's shared statements
//! ([`sql`]) and the few only PostgreSQL says: a visitor's hourly limit
//! counted under a transaction advisory lock per visitor (and per key),
//! so five submissions through two replicas at once store exactly five;
//! outbox claims that skip rows another replica holds; visits written by
//! one statement; the visitor key made once in the database.

use anyhow::{Context, Result};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use crate::inbox::model::{
    Attempt, Backlog, Change, ChannelRef, Claim, Columns, Delivery, Due, Message, Stored, Visit,
    attach,
};
use crate::inbox::policy::{LIMIT_WINDOW_SECS, retry_after};
use crate::inbox::sql;
use crate::inbox::stats::{self, Dialect, TallyRow};

/// How PostgreSQL says what the stats query needs.
const DIALECT: Dialect = Dialect {
    software: "split_part(CASE WHEN substr(client, 1, 8) = 'SSH-2.0-' THEN substr(client, 9) \
               ELSE client END, ' ', 1)",
    byte_order: " COLLATE \"C\"",
};

/// A lock number for a text, for `pg_advisory_xact_lock`.
const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

impl Columns for Row {
    fn int(&self, index: usize) -> Result<i64> {
        Ok(self.try_get(index)?)
    }
    fn opt_int(&self, index: usize) -> Result<Option<i64>> {
        Ok(self.try_get(index)?)
    }
    fn text(&self, index: usize) -> Result<String> {
        Ok(self.try_get(index)?)
    }
    fn opt_text(&self, index: usize) -> Result<Option<String>> {
        Ok(self.try_get(index)?)
    }
}

/// The visitor-hash key: created once, by whichever replica comes first;
/// `offered` is the one to create if there is none (a fresh random one,
/// or the SQLite inbox's when `migrate` copies it).
pub async fn visitor_key(client: &impl GenericClient, offered: &[u8; 32]) -> Result<[u8; 32]> {
    client
        .execute(
            "INSERT INTO sshfolio_settings (name, value) VALUES ('visitor_key', $1) \
             ON CONFLICT (name) DO NOTHING",
            &[&offered.as_slice()],
        )
        .await
        .context("creating the visitor key")?;
    let row = client
        .query_one(
            "SELECT value FROM sshfolio_settings WHERE name = 'visitor_key'",
            &[],
        )
        .await
        .context("reading the visitor key")?;
    let value: Vec<u8> = row.get(0);
    value
        .try_into()
        .map_err(|_| anyhow::anyhow!("the visitor key in the database is not 32 bytes"))
}

/// Stores a message under the hourly limit. Replicas serialise per
/// visitor in the database: the transaction holds an advisory lock on the
/// visitor (then the key) while it counts and inserts.
pub async fn insert_message(
    client: &mut tokio_postgres::Client,
    m: &Message,
    per_hour: u32,
    channels: &[ChannelRef],
) -> Result<Stored> {
    let tx = client.transaction().await?;
    tx.execute(LOCK_SQL, &[&format!("sshfolio visitor {}", m.visitor)])
        .await?;
    if let Some(key) = &m.key_fingerprint {
        tx.execute(LOCK_SQL, &[&format!("sshfolio key {key}")])
            .await?;
    }
    if let Some(row) = tx
        .query_opt(sql::FIND_SUBMISSION, &[&m.submission_id])
        .await?
    {
        return Ok(Stored::Duplicate(row.get(0)));
    }
    let since = m.received_at - LIMIT_WINDOW_SECS;
    let mut counts = Vec::new();
    let mut checks = vec![(sql::COUNT_BY_VISITOR, m.visitor.as_str())];
    if let Some(key) = &m.key_fingerprint {
        checks.push((sql::COUNT_BY_KEY, key));
    }
    for (query, who) in checks {
        let row = tx.query_one(query, &[&who, &since]).await?;
        counts.push((row.get(0), row.get(1)));
    }
    if let Some(retry_after_secs) = retry_after(&counts, per_hour, m.received_at) {
        return Ok(Stored::Limited { retry_after_secs });
    }
    let id: i64 = tx
        .query_one(sql::INSERT_MESSAGE, &stored_fields(m)[..7])
        .await?
        .get(0);
    for channel in channels {
        tx.execute(
            sql::QUEUE_DELIVERY,
            &[&id, &channel.key, &channel.label, &m.received_at],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Stored::New(id))
}

/// A message's stored fields, as `INSERT_MESSAGE` binds them ($1 to $7);
/// its read time is $8 where a copy keeps it.
pub fn stored_fields(m: &Message) -> [&(dyn ToSql + Sync); 8] {
    [
        &m.submission_id,
        &m.received_at,
        &m.name,
        &m.contact,
        &m.body,
        &m.visitor,
        &m.key_fingerprint,
        &m.read_at,
    ]
}

/// Records visits in one statement. `origins` names rows copied from
/// elsewhere (`sshfolio migrate`), so a second copy adds nothing; how
/// many were added.
pub async fn record_visits(
    client: &impl GenericClient,
    visits: &[Visit],
    origins: Option<&[String]>,
) -> Result<u64> {
    if visits.is_empty() {
        return Ok(0);
    }
    let ints = |f: fn(&Visit) -> i64| visits.iter().map(f).collect::<Vec<i64>>();
    let small = |f: fn(&Visit) -> u16| visits.iter().map(|v| i32::from(f(v))).collect::<Vec<i32>>();
    let texts = |f: fn(&Visit) -> &str| visits.iter().map(|v| f(v).to_string()).collect::<Vec<_>>();
    let (started, duration) = (ints(|v| v.started_at), ints(|v| v.duration_ms));
    let (visitor, agent, term) = (
        texts(|v| &v.visitor),
        texts(|v| &v.client),
        texts(|v| &v.term),
    );
    let (cols, rows) = (small(|v| v.cols), small(|v| v.rows));
    let (sections, kind) = (texts(|v| &v.sections), texts(|v| &v.kind));
    let left: Vec<bool> = visits.iter().map(|v| v.left_message).collect();
    let origin: Vec<Option<String>> = match origins {
        Some(o) => o.iter().cloned().map(Some).collect(),
        None => vec![None; visits.len()],
    };
    let params: [&(dyn ToSql + Sync); 11] = [
        &started, &duration, &visitor, &agent, &term, &cols, &rows, &sections, &left, &kind,
        &origin,
    ];
    let query = format!(
        "INSERT INTO visits ({}, origin) \
         SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
         $6::INTEGER[], $7::INTEGER[], $8::TEXT[], $9::BOOLEAN[], $10::TEXT[], $11::TEXT[]) \
         ON CONFLICT (origin) DO NOTHING",
        sql::VISIT_COLUMNS
    );
    Ok(client.execute(&query, &params).await?)
}

/// Claims up to `limit` due deliveries of a channel, skipping rows
/// another replica holds, leased until `lease_until`; and when the next
/// one is due.
pub async fn claim(
    client: &impl GenericClient,
    channel_key: &str,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> Result<Claim> {
    let rows = client
        .query(
            "WITH due AS (
                 SELECT id FROM deliveries
                 WHERE channel_key = $1 AND state = 'pending' AND next_attempt_at <= $2
                   AND (leased_until IS NULL OR leased_until <= $2)
                 ORDER BY next_attempt_at, id LIMIT $4
                 FOR UPDATE SKIP LOCKED)
             UPDATE deliveries d SET leased_until = $3 FROM due, messages m
             WHERE d.id = due.id AND m.id = d.message_id
             RETURNING d.id, d.message_id, d.channel_key, d.channel, d.state,
                       CAST(d.attempts AS BIGINT), d.created_at, d.next_attempt_at, d.last_error,
                       d.done_at, m.id, m.submission_id, m.received_at, m.name, m.contact,
                       m.body, m.visitor, m.key_fingerprint, m.read_at",
            &[&channel_key, &now, &lease_until, &i64::from(limit)],
        )
        .await?;
    let mut due = rows
        .iter()
        .map(|row| {
            Ok(Due {
                delivery: Delivery::from_columns(row, 0)?,
                message: Message::from_columns(row, 10)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    due.sort_by_key(|d| (d.delivery.next_attempt_at, d.delivery.id));
    let next_due = client
        .query_one(sql::NEXT_DUE, &[&channel_key])
        .await?
        .get(0);
    Ok(Claim { due, next_due })
}

/// Records an attempt at delivery `id`, made at `now`.
pub async fn record_attempt(
    client: &impl GenericClient,
    id: i64,
    now: i64,
    attempt: &Attempt,
) -> Result<()> {
    match attempt {
        Attempt::Delivered => client.execute(sql::DELIVERED, &[&id, &now]).await,
        Attempt::Retry { at, error } => client.execute(sql::RETRY, &[&id, at, error]).await,
        Attempt::Failed { error } => client.execute(sql::FAILED, &[&id, &now, error]).await,
    }?;
    Ok(())
}

/// Makes the owner's change; how many rows it changed.
pub async fn change(client: &mut tokio_postgres::Client, change: Change, now: i64) -> Result<u64> {
    Ok(match change {
        Change::Read(id) => client.execute(sql::MARK_READ, &[&now, &id]).await?,
        Change::AllRead => client.execute(sql::MARK_ALL_READ, &[&now]).await?,
        Change::Unread(id) => client.execute(sql::MARK_UNREAD, &[&id]).await?,
        Change::Redeliver(id) => client.execute(sql::REDELIVER, &[&id, &now]).await?,
        Change::Delete(id) => {
            let tx = client.transaction().await?;
            tx.execute(sql::DELETE_DELIVERIES, &[&id]).await?;
            let n = tx.execute(sql::DELETE_MESSAGE, &[&id]).await?;
            tx.commit().await?;
            n
        }
    })
}

/// Messages, newest first, each with its deliveries.
pub async fn list_messages(client: &impl GenericClient, unread_only: bool) -> Result<Vec<Message>> {
    let query = if unread_only {
        sql::LIST_UNREAD
    } else {
        sql::LIST_MESSAGES
    };
    let mut messages = client
        .query(query, &[])
        .await?
        .iter()
        .map(|row| Message::from_columns(row, 0))
        .collect::<Result<Vec<_>>>()?;
    let deliveries = client
        .query(sql::LIST_DELIVERIES, &[])
        .await?
        .iter()
        .map(|row| Delivery::from_columns(row, 0))
        .collect::<Result<Vec<_>>>()?;
    attach(&mut messages, deliveries);
    Ok(messages)
}

/// Each channel's deliveries not yet made.
pub async fn backlog(client: &impl GenericClient) -> Result<Vec<Backlog>> {
    client
        .query(sql::BACKLOG, &[])
        .await?
        .iter()
        .map(Backlog::from_columns)
        .collect()
}

/// The one count a query gives.
pub async fn count(client: &impl GenericClient, query: &str, param: i64) -> Result<i64> {
    Ok(client.query_one(query, &[&param]).await?.get(0))
}

/// Deletes up to `batch` visits that started before `before`.
pub async fn prune_visits(client: &impl GenericClient, before: i64, batch: u32) -> Result<u64> {
    Ok(client
        .execute(sql::PRUNE_VISITS, &[&before, &i64::from(batch)])
        .await?)
}

/// The stats query's rows for the visits since `since` (PostgreSQL's
/// planner chooses between the index and a scan itself).
pub async fn tally(client: &impl GenericClient, since: i64) -> Result<Vec<TallyRow>> {
    client
        .query(&stats::sql(&DIALECT, false), &[&since])
        .await?
        .iter()
        .map(TallyRow::from_columns)
        .collect()
}
