//! The inbox on PostgreSQL, for replicas that share one database: the
//! same operations as the SQLite store, as async queries through a small
//! connection pool that reconnects by itself. What must hold across
//! replicas holds in the database ([`queries`]), and the schema is
//! migrated under an advisory lock ([`schema`]).

pub mod import;
mod queries;
mod schema;

use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::database::PgUrl;
use super::model::{Attempt, Backlog, Change, ChannelRef, Claim, Message, Stored, Visit};
use super::sql;
use super::stats::TallyRow;
use super::store::Store;

/// Connections a process keeps at most: sessions store rarely; the
/// workers, the visit writer and the owner take one each now and then.
const POOL_SIZE: usize = 8;

/// How long getting or making a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The store: a pool of connections to one database.
pub struct PgStore {
    pool: Pool,
    /// `postgres://host:port/db`, for logs.
    label: String,
}

impl PgStore {
    /// A pool for `url`; nothing is connected yet.
    pub fn new(url: &PgUrl) -> Result<PgStore> {
        let mut config: tokio_postgres::Config = url.url.parse().context("reading --database")?;
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("sshfolio");
        }
        let manager = Manager::from_config(
            config,
            tls()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .runtime(Runtime::Tokio1)
            .build()
            .context("building the connection pool")?;
        Ok(PgStore {
            pool,
            label: url.label.clone(),
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!("connecting to {}: {e}", self.label))
    }
}

/// TLS for `sslmode=require` (and `prefer`), verified against the
/// system's roots; rustls on aws-lc, as everywhere else in sshfolio.
fn tls() -> Result<MakeRustlsConnect> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let config = rustls::ClientConfig::with_platform_verifier()
        .context("loading the system's certificate roots")?;
    Ok(MakeRustlsConnect::new(config))
}

#[async_trait]
impl Store for PgStore {
    fn label(&self) -> &str {
        &self.label
    }

    async fn prepare(&self) -> Result<[u8; 32]> {
        let mut client = self.client().await?;
        schema::migrate(&mut client).await?;
        queries::visitor_key(&**client, &rand::random()).await
    }

    async fn ping(&self) -> Result<()> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .with_context(|| self.label.clone())?;
        Ok(())
    }

    async fn insert_message(&self, m: &Message, limit: u32, to: &[ChannelRef]) -> Result<Stored> {
        let mut client = self.client().await?;
        queries::insert_message(&mut client, m, limit, to).await
    }

    async fn record_visits(&self, visits: &[Visit]) -> Result<()> {
        let client = self.client().await?;
        queries::record_visits(&**client, visits, None).await?;
        Ok(())
    }

    async fn prune_visits(&self, before: i64, batch: u32) -> Result<u64> {
        queries::prune_visits(&**self.client().await?, before, batch).await
    }

    async fn claim(&self, channel: &str, now: i64, until: i64, limit: u32) -> Result<Claim> {
        queries::claim(&**self.client().await?, channel, now, until, limit).await
    }

    async fn record_attempt(&self, delivery: i64, now: i64, attempt: &Attempt) -> Result<()> {
        queries::record_attempt(&**self.client().await?, delivery, now, attempt).await
    }

    async fn change(&self, change: Change, now: i64) -> Result<u64> {
        queries::change(&mut *self.client().await?, change, now).await
    }

    async fn list_messages(&self, unread_only: bool) -> Result<Vec<Message>> {
        queries::list_messages(&**self.client().await?, unread_only).await
    }

    async fn message_exists(&self, id: i64) -> Result<bool> {
        Ok(queries::count(&**self.client().await?, sql::COUNT_MESSAGE, id).await? > 0)
    }

    async fn messages_since(&self, since: i64) -> Result<u64> {
        let n = queries::count(&**self.client().await?, sql::MESSAGES_SINCE, since).await?;
        Ok(n.max(0) as u64)
    }

    async fn backlog(&self) -> Result<Vec<Backlog>> {
        queries::backlog(&**self.client().await?).await
    }

    async fn tally_visits(&self, since: i64) -> Result<Vec<TallyRow>> {
        queries::tally(&**self.client().await?, since).await
    }

    async fn close(&self) {
        self.pool.close();
    }
}
