//! The PostgreSQL schema, versioned in `sshfolio_schema`, migrated under
//! a session advisory lock, so replicas starting at once on an empty
//! database migrate it once, one after the other.

use anyhow::{Context, Result};

/// Taken by whoever migrates; held only while migrating.
const MIGRATION_LOCK: i64 = 0x5353_4846_4f4c_494f; // "SSHFOLIO"

/// Migrations, in order; the version counts how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: messages, visits, the outbox, the visitor-hash key.
    "CREATE TABLE messages (
        id BIGSERIAL PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        received_at BIGINT NOT NULL,
        name TEXT NOT NULL,
        contact TEXT NOT NULL,
        body TEXT NOT NULL,
        visitor TEXT NOT NULL,
        key_fingerprint TEXT,
        read_at BIGINT
    );
    CREATE INDEX messages_by_visitor ON messages (visitor, received_at);
    CREATE INDEX messages_by_key ON messages (key_fingerprint, received_at);
    CREATE TABLE visits (
        id BIGSERIAL PRIMARY KEY,
        started_at BIGINT NOT NULL,
        duration_ms BIGINT NOT NULL,
        visitor TEXT NOT NULL,
        client TEXT NOT NULL,
        term TEXT NOT NULL,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        sections TEXT NOT NULL,
        left_message BOOLEAN NOT NULL,
        kind TEXT NOT NULL,
        origin TEXT UNIQUE
    );
    CREATE INDEX visits_by_time ON visits (started_at);
    CREATE TABLE deliveries (
        id BIGSERIAL PRIMARY KEY,
        message_id BIGINT NOT NULL REFERENCES messages(id),
        channel_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        leased_until BIGINT,
        last_error TEXT,
        done_at BIGINT,
        UNIQUE (message_id, channel_key)
    );
    CREATE INDEX deliveries_due ON deliveries (channel_key, state, next_attempt_at);
    CREATE TABLE sshfolio_settings (
        name TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );",
];

/// Brings the database to the current version. Everything, the version
/// table included, is created under the lock: replicas starting at once
/// take turns, and the later ones find nothing left to do.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .context("waiting for the migration lock")?;
    let migrated = run_missing(client).await;
    // A session lock outlives an error: released whatever happened, as
    // the connection goes back to the pool.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    migrated?;
    unlocked.context("releasing the migration lock")?;
    Ok(())
}

async fn run_missing(client: &mut tokio_postgres::Client) -> Result<()> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS sshfolio_schema (version INTEGER NOT NULL)")
        .await
        .context("creating the schema version table")?;
    let row = client
        .query_opt("SELECT version FROM sshfolio_schema", &[])
        .await?;
    let version = match row {
        Some(row) => row.get::<_, i32>(0) as usize,
        None => {
            client
                .execute("INSERT INTO sshfolio_schema (version) VALUES (0)", &[])
                .await?;
            0
        }
    };
    if version > MIGRATIONS.len() {
        anyhow::bail!(
            "database schema version {version} is newer than this sshfolio understands ({})",
            MIGRATIONS.len()
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("migration {}", i + 1))?;
        tx.execute(
            "UPDATE sshfolio_schema SET version = $1",
            &[&((i + 1) as i32)],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
