//! Every query of the PostgreSQL store: the same operations, with the same
//! meaning, as the SQLite store's (`inbox::db`), on the same data types.

use std::collections::HashMap;

use anyhow::{Context, Result};
use tokio_postgres::types::ToSql;

use super::PgStore;
use crate::inbox::db::export::{DeliveryRow, StoredMessage};
use crate::inbox::db::{
    Attempt, ChannelRef, Delivery, Due, LIMIT_WINDOW_SECS, Message, NewMessage, OutboxMessage,
    Stored, VisitRow, VisitStats,
};
use crate::inbox::stats::as_reported;

/// The visitor-hash key: created once, by whichever replica comes first.
pub async fn visitor_key(client: &tokio_postgres::Client) -> Result<[u8; 32]> {
    let fresh: [u8; 32] = rand::random();
    client
        .execute(
            "INSERT INTO sshfolio_settings (name, value) VALUES ('visitor_key', $1)
             ON CONFLICT (name) DO NOTHING",
            &[&fresh.as_slice()],
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

/// A lock number for a text, for `pg_advisory_xact_lock`.
const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

impl PgStore {
    /// Stores a message unless its visitor (address, and key if any)
    /// already sent `per_hour` in the last hour, with one pending delivery
    /// per channel. Replicas serialise per visitor in the database: the
    /// transaction holds an advisory lock on the visitor (then the key)
    /// while it counts and inserts, so five submissions through two
    /// replicas at once store exactly five.
    pub async fn insert_message(
        &self,
        msg: &NewMessage,
        per_hour: u32,
        channels: &[ChannelRef],
    ) -> Result<Stored> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(LOCK_SQL, &[&format!("sshfolio visitor {}", msg.visitor)])
            .await?;
        if let Some(key) = &msg.key_fingerprint {
            tx.execute(LOCK_SQL, &[&format!("sshfolio key {key}")])
                .await?;
        }
        if let Some(row) = tx
            .query_opt(
                "SELECT id FROM messages WHERE submission_id = $1",
                &[&msg.submission_id],
            )
            .await?
        {
            return Ok(Stored::Duplicate(row.get(0)));
        }
        let since = msg.received_at - LIMIT_WINDOW_SECS;
        let mut retry_after = 0i64;
        let mut checks: Vec<(&str, &str)> = vec![("visitor", &msg.visitor)];
        if let Some(key) = &msg.key_fingerprint {
            checks.push(("key_fingerprint", key));
        }
        for (column, value) in checks {
            let row = tx
                .query_one(
                    &format!(
                        "SELECT COUNT(*), MIN(received_at) FROM messages
                         WHERE {column} = $1 AND received_at > $2"
                    ),
                    &[&value, &since],
                )
                .await?;
            let (count, oldest): (i64, Option<i64>) = (row.get(0), row.get(1));
            if count >= i64::from(per_hour) {
                let wait = oldest.map_or(LIMIT_WINDOW_SECS, |t| {
                    t + LIMIT_WINDOW_SECS - msg.received_at
                });
                retry_after = retry_after.max(wait.max(1));
            }
        }
        if retry_after > 0 {
            return Ok(Stored::Limited {
                retry_after_secs: retry_after,
            });
        }
        let row = tx
            .query_one(
                "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor, key_fingerprint)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &msg.submission_id,
                    &msg.received_at,
                    &msg.name,
                    &msg.contact,
                    &msg.body,
                    &msg.visitor,
                    &msg.key_fingerprint,
                ],
            )
            .await?;
        let id: i64 = row.get(0);
        for channel in channels {
            tx.execute(
                "INSERT INTO deliveries (message_id, channel_key, channel, state, created_at, next_attempt_at)
                 VALUES ($1, $2, $3, 'pending', $4, $4)",
                &[&id, &channel.key, &channel.label, &msg.received_at],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Stored::New(id))
    }

    /// Records visits in one statement. `origins` names rows copied from
    /// elsewhere (`sshfolio migrate`), so a second copy adds nothing.
    pub async fn record_visits(
        &self,
        visits: &[VisitRow],
        origins: Option<&[String]>,
    ) -> Result<u64> {
        if visits.is_empty() {
            return Ok(0);
        }
        let column = |f: fn(&VisitRow) -> i64| visits.iter().map(f).collect::<Vec<i64>>();
        let text = |f: fn(&VisitRow) -> &str| {
            visits
                .iter()
                .map(|v| f(v).to_string())
                .collect::<Vec<String>>()
        };
        let started = column(|v| v.started_at);
        let duration = column(|v| v.duration_ms);
        let visitor = text(|v| &v.visitor);
        let client = text(|v| &v.client);
        let term = text(|v| &v.term);
        let cols: Vec<i32> = visits.iter().map(|v| i32::from(v.cols)).collect();
        let rows: Vec<i32> = visits.iter().map(|v| i32::from(v.rows)).collect();
        let sections = text(|v| &v.sections);
        let left: Vec<bool> = visits.iter().map(|v| v.left_message).collect();
        let kind = text(|v| &v.kind);
        let origin: Vec<Option<String>> = match origins {
            Some(o) => o.iter().cloned().map(Some).collect(),
            None => vec![None; visits.len()],
        };
        let params: [&(dyn ToSql + Sync); 11] = [
            &started, &duration, &visitor, &client, &term, &cols, &rows, &sections, &left, &kind,
            &origin,
        ];
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows,
                                     sections, left_message, kind, origin)
                 SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                                      $6::INTEGER[], $7::INTEGER[], $8::TEXT[], $9::BOOLEAN[],
                                      $10::TEXT[], $11::TEXT[])
                 ON CONFLICT (origin) DO NOTHING",
                &params,
            )
            .await?;
        Ok(inserted)
    }

    /// Claims up to `limit` due deliveries of a channel, skipping rows
    /// another replica holds, leased until `lease_until`.
    pub async fn claim_deliveries(
        &self,
        channel_key: &str,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<Due>> {
        let client = self.client().await?;
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
                 RETURNING d.id, d.attempts, d.created_at, m.id, m.received_at, m.name, m.contact,
                           m.body, m.key_fingerprint, d.next_attempt_at",
                &[&channel_key, &now, &lease_until, &i64::from(limit)],
            )
            .await?;
        let mut due: Vec<(i64, Due)> = rows
            .iter()
            .map(|row| {
                (
                    row.get(9),
                    Due {
                        id: row.get(0),
                        attempts: row.get::<_, i32>(1) as u32,
                        created_at: row.get(2),
                        message: OutboxMessage {
                            id: row.get(3),
                            received_at: row.get(4),
                            name: row.get(5),
                            contact: row.get(6),
                            body: row.get(7),
                            key_fingerprint: row.get(8),
                        },
                    },
                )
            })
            .collect();
        due.sort_by_key(|(next, d)| (*next, d.id));
        Ok(due.into_iter().map(|(_, d)| d).collect())
    }

    /// When the channel's next pending delivery is due, if it has one.
    pub async fn next_due(&self, channel_key: &str) -> Result<Option<i64>> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT MIN(GREATEST(next_attempt_at, COALESCE(leased_until, 0))) FROM deliveries
                 WHERE channel_key = $1 AND state = 'pending'",
                &[&channel_key],
            )
            .await?;
        Ok(row.get(0))
    }

    /// Records an attempt at delivery `id`, made at `now`.
    pub async fn record_attempt(&self, id: i64, now: i64, attempt: &Attempt) -> Result<()> {
        let client = self.client().await?;
        match attempt {
            Attempt::Delivered => {
                client
                    .execute(
                        "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,
                                done_at = $2, leased_until = NULL, last_error = NULL WHERE id = $1",
                        &[&id, &now],
                    )
                    .await?
            }
            Attempt::Retry { at, error } => {
                client
                    .execute(
                        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2,
                                last_error = $3, leased_until = NULL WHERE id = $1",
                        &[&id, at, error],
                    )
                    .await?
            }
            Attempt::Failed { error } => {
                client
                    .execute(
                        "UPDATE deliveries SET state = 'failed', attempts = attempts + 1,
                                done_at = $2, last_error = $3, leased_until = NULL WHERE id = $1",
                        &[&id, &now, error],
                    )
                    .await?
            }
        };
        Ok(())
    }

    /// Messages, newest first, with their deliveries.
    pub async fn list_messages(&self, unread_only: bool) -> Result<Vec<Message>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, to_char(to_timestamp(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                        name, contact, body, key_fingerprint, read_at IS NOT NULL
                 FROM messages WHERE (NOT $1 OR read_at IS NULL)
                 ORDER BY received_at DESC, id DESC",
                &[&unread_only],
            )
            .await?;
        let deliveries = client
            .query(
                "SELECT message_id, channel, state, attempts, last_error, next_attempt_at
                 FROM deliveries ORDER BY message_id, channel, id",
                &[],
            )
            .await?;
        let mut by_message: HashMap<i64, Vec<Delivery>> = HashMap::new();
        for row in deliveries {
            let delivery = Delivery {
                message_id: row.get(0),
                channel: row.get(1),
                state: row.get(2),
                attempts: row.get::<_, i32>(3) as u32,
                last_error: row.get(4),
                next_attempt_at: row.get(5),
            };
            by_message
                .entry(delivery.message_id)
                .or_default()
                .push(delivery);
        }
        Ok(rows
            .iter()
            .map(|row| {
                let id: i64 = row.get(0);
                Message {
                    id,
                    received_at: row.get(1),
                    name: row.get(2),
                    contact: row.get(3),
                    message: row.get(4),
                    key_fingerprint: row.get(5),
                    read: row.get(6),
                    deliveries: by_message.remove(&id).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Marks one message (or all) read; how many changed.
    pub async fn mark_read(&self, id: Option<i64>, now: i64) -> Result<u64> {
        let client = self.client().await?;
        Ok(match id {
            Some(id) => {
                client
                    .execute(
                        "UPDATE messages SET read_at = $1 WHERE id = $2 AND read_at IS NULL",
                        &[&now, &id],
                    )
                    .await?
            }
            None => {
                client
                    .execute(
                        "UPDATE messages SET read_at = $1 WHERE read_at IS NULL",
                        &[&now],
                    )
                    .await?
            }
        })
    }

    /// Marks one message unread again; how many changed (0 or 1).
    pub async fn mark_unread(&self, id: i64) -> Result<u64> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE messages SET read_at = NULL WHERE id = $1 AND read_at IS NOT NULL",
                &[&id],
            )
            .await?)
    }

    /// Deletes a message and its deliveries in one transaction; whether
    /// it was there.
    pub async fn delete_message(&self, id: i64) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("DELETE FROM deliveries WHERE message_id = $1", &[&id])
            .await?;
        let deleted = tx
            .execute("DELETE FROM messages WHERE id = $1", &[&id])
            .await?;
        tx.commit().await?;
        Ok(deleted == 1)
    }

    pub async fn message_exists(&self, id: i64) -> Result<bool> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM messages WHERE id = $1)",
                &[&id],
            )
            .await?;
        Ok(row.get(0))
    }

    /// Deliveries not yet made, by channel: (channel, pending, failed).
    pub async fn backlog(&self) -> Result<Vec<(String, u64, u64)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT channel, COUNT(*) FILTER (WHERE state = 'pending'),
                        COUNT(*) FILTER (WHERE state = 'failed')
                 FROM deliveries WHERE state != 'delivered' GROUP BY channel ORDER BY channel",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get::<_, i64>(1) as u64,
                    r.get::<_, i64>(2) as u64,
                )
            })
            .collect())
    }

    /// Queues message `id`'s failed deliveries again; how many.
    pub async fn redeliver(&self, id: i64, now: i64) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute(
                "UPDATE deliveries SET state = 'pending', attempts = 0, created_at = $2,
                        next_attempt_at = $2, leased_until = NULL, done_at = NULL
                 WHERE message_id = $1 AND state = 'failed'",
                &[&id, &now],
            )
            .await?)
    }

    /// Messages received since `since`.
    pub async fn messages_since(&self, since: i64) -> Result<u32> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT COUNT(*) FROM messages WHERE received_at >= $1",
                &[&since],
            )
            .await?;
        Ok(row.get::<_, i64>(0) as u32)
    }

    /// The visits since `since`, added up by the database.
    pub async fn visit_stats(&self, since: i64, sections: &[&str]) -> Result<VisitStats> {
        let client = self.client().await?;
        let totals = client
            .query_one(
                "SELECT COUNT(*), COUNT(DISTINCT visitor) FROM visits WHERE started_at >= $1",
                &[&since],
            )
            .await?;
        let visits = totals.get::<_, i64>(0) as u64;
        if visits == 0 {
            return Ok(VisitStats::default());
        }
        // The middle visit (the upper one of an even count), as SQLite's
        // tally finds it.
        let middle = client
            .query_one(
                "SELECT duration_ms FROM visits WHERE started_at >= $1
                 ORDER BY duration_ms OFFSET $2 LIMIT 1",
                &[&since, &((visits / 2) as i64)],
            )
            .await?;
        let pairs = |rows: Vec<tokio_postgres::Row>| -> Vec<(String, u64)> {
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
                .collect()
        };
        let per_day = pairs(
            client
                .query(
                    "SELECT to_char(to_timestamp(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                            COUNT(DISTINCT visitor)
                     FROM visits WHERE started_at >= $1 GROUP BY day ORDER BY day",
                    &[&since],
                )
                .await?,
        );
        let names: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
        let seen: HashMap<String, u64> = pairs(
            client
                .query(
                    "SELECT s, COUNT(*) FROM visits, unnest(string_to_array(sections, ',')) AS s
                     WHERE started_at >= $1 AND s = ANY($2) GROUP BY s",
                    &[&since, &names],
                )
                .await?,
        )
        .into_iter()
        .collect();
        let clients = pairs(
            client
                .query(
                    "SELECT split_part(CASE WHEN client LIKE 'SSH-2.0-%' THEN substr(client, 9)
                                            ELSE client END, ' ', 1) AS software, COUNT(*) AS n
                     FROM visits WHERE started_at >= $1 GROUP BY software ORDER BY n DESC, software
                     LIMIT 50",
                    &[&since],
                )
                .await?,
        );
        let kinds = pairs(
            client
                .query(
                    "SELECT kind, COUNT(*) AS n FROM visits WHERE started_at >= $1
                     GROUP BY kind ORDER BY n DESC, kind LIMIT 50",
                    &[&since],
                )
                .await?,
        );
        Ok(VisitStats {
            visits,
            visitors: totals.get::<_, i64>(1) as u64,
            median_ms: as_reported(middle.get(0)),
            per_day,
            sections: names
                .into_iter()
                .map(|n| {
                    let count = seen.get(&n).copied().unwrap_or(0);
                    (n, count)
                })
                .collect(),
            clients,
            kinds,
        })
    }

    /// Deletes up to `batch` visits that started before `before`.
    pub async fn prune_visits(&self, before: i64, batch: u32) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute(
                "DELETE FROM visits WHERE id IN
                 (SELECT id FROM visits WHERE started_at < $1 ORDER BY started_at LIMIT $2)",
                &[&before, &i64::from(batch)],
            )
            .await?)
    }
}

/// Makes `key` the visitor key unless the database has one already.
pub async fn offer_visitor_key(client: &tokio_postgres::Client, key: &[u8; 32]) -> Result<()> {
    client
        .execute(
            "INSERT INTO sshfolio_settings (name, value) VALUES ('visitor_key', $1)
             ON CONFLICT (name) DO NOTHING",
            &[&key.as_slice()],
        )
        .await
        .context("offering the visitor key")?;
    Ok(())
}

/// Copies a message unless one with its submission id is there (then only
/// a read state it lacks is filled in); its id here, and whether it is new.
pub async fn import_message(
    tx: &tokio_postgres::Transaction<'_>,
    m: &StoredMessage,
) -> Result<(i64, bool)> {
    let msg = &m.message;
    let row = tx
        .query_one(
            "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor,
                                   key_fingerprint, read_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (submission_id)
                 DO UPDATE SET read_at = COALESCE(messages.read_at, EXCLUDED.read_at)
             RETURNING id, (xmax = 0)",
            &[
                &msg.submission_id,
                &msg.received_at,
                &msg.name,
                &msg.contact,
                &msg.body,
                &msg.visitor,
                &msg.key_fingerprint,
                &m.read_at,
            ],
        )
        .await
        .with_context(|| format!("copying message {}", m.id))?;
    Ok((row.get(0), row.get(1)))
}

/// Copies a delivery of message `message_id` unless the message has one
/// for that channel; whether it was copied.
pub async fn import_delivery(
    tx: &tokio_postgres::Transaction<'_>,
    message_id: i64,
    d: &DeliveryRow,
) -> Result<bool> {
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
                &d.state,
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
