//! The inbox on PostgreSQL, for replicas that share one database: the
//! same operations as the SQLite store, as async queries through a small
//! connection pool. What must hold across replicas holds in the database:
//! a visitor's hourly limit is counted under a transaction advisory lock
//! per visitor (and per key), outbox claims skip rows another replica has
//! locked, the visitor-hash key is created once in the database, and the
//! schema is migrated under an advisory lock ([`schema`]).

pub mod import;
mod live;
mod queries;
mod schema;

pub use live::Tasks;
pub(crate) use live::{PgInbox, SUBMIT_TIMEOUT, start};

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::database::Postgres;

/// Connections a process keeps at most: sessions store rarely; the
/// workers and the visit writer take one each now and then.
const POOL_SIZE: usize = 8;

/// How long getting or making a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The store: a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// `postgres://host:port/db`, for logs.
    pub label: Arc<str>,
}

impl PgStore {
    /// A pool for `pg`; nothing is connected yet.
    pub fn new(pg: &Postgres) -> Result<PgStore> {
        let mut config: tokio_postgres::Config = pg.url.parse().context("reading --database")?;
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
            label: pg.label.clone().into(),
        })
    }

    /// Migrates the schema and returns the visitor-hash key (created once,
    /// in the database, by whichever replica comes first).
    pub async fn prepare(&self) -> Result<[u8; 32]> {
        let mut client = self.client().await?;
        schema::migrate(&mut client).await?;
        queries::visitor_key(&client).await
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object> {
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
