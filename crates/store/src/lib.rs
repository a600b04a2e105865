//! # yigong-store
//!
//! The persistence adapter: sea-orm entities, forward-only migrations, and the repositories that
//! implement `yigong-ports`. One code path serves SQLite (the embedded default, WAL, foreign keys
//! on) and PostgreSQL (production). The time it stamps rows with comes only from the `Clock`
//! port: the system clock unless [`Store::with_clock`] gives another.
//!
//! ## Layout
//! - [`migration`]: the versioned migrations and [`Migrator`].
//! - `entity`: sea-orm models; they never leave this crate.
//! - [`Store`]: connection, migrations, the unit of work and the read-side queries.
//! - `tx`: [`SeaTransaction`], the repositories inside one database transaction; `followup`
//!   adds the resident, enrolment, plan and visit repositories and the worklist query.
//! - `convert`: domain ↔ row translation and driver-error mapping (adapters translate, never
//!   decide).

mod advice;
mod audit;
mod bulk;
mod cancer;
mod consultation;
mod convert;
mod deadline;
mod diagnosis;
mod due;
mod elderly;
mod entity;
mod followup;
mod indicator;
pub mod migration;
mod network;
mod queries;
mod registration;
mod relay;
mod reseal;
mod schedule;
mod screening;
pub mod seal;
mod search;
mod tx;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use time::OffsetDateTime;
use yigong_ports::{Clock, StoreError, SystemClock, Transaction, UnitOfWork};

pub use migration::Migrator;
pub use tx::SeaTransaction;

use crate::convert::db_err;
use crate::seal::DataKeys;

/// The connection pool's state ([`Store::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Connections open.
    pub open: u32,
    /// Of them, idle.
    pub idle: u32,
}

/// The database behind the ports, and the clock that stamps what it writes (`updated_at`,
/// `created_at`, `recorded_at`).
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    keys: Arc<DataKeys>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// How long a request waits for a pooled connection by default: about a second, so an
/// unreachable database fails requests fast rather than holding them.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

impl Store {
    /// Connects to `url`: `sqlite://path/to/yigong.db?mode=rwc`, `sqlite::memory:` or
    /// `postgres://user@host/db`. SQLite runs in WAL mode with foreign keys on and a busy timeout,
    /// so concurrent writers wait instead of failing. Rows are stamped by the system clock, and
    /// personal information is sealed with a key of this process only until
    /// [`Store::with_keys`] gives the service's.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with(url, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// As [`Store::connect`], waiting at most `acquire_timeout` for a pooled connection: with
    /// the database down a request fails within it (`Unavailable`) instead of queueing.
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> Result<Store, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .max_connections(if url.starts_with("sqlite") { 8 } else { 32 })
            .acquire_timeout(acquire_timeout)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
        let db = Database::connect(options).await.map_err(db_err)?;
        Ok(Store {
            db,
            clock: Arc::new(SystemClock),
            keys: Arc::new(DataKeys::ephemeral()),
        })
    }

    /// This store, stamping what it writes with `clock`'s time instead of the system clock's
    /// (a fixed clock in tests, the demo county's simulated one). Clones made from it, and the
    /// transactions it begins, share the clock.
    #[must_use]
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// This store, sealing personal information with `keys` (see [`seal`]): a service's keys
    /// from configuration, so that what it seals opens after a restart.
    #[must_use]
    pub fn with_keys(self, keys: DataKeys) -> Self {
        Self {
            keys: Arc::new(keys),
            ..self
        }
    }

    /// The keys personal information is sealed with.
    pub(crate) fn keys(&self) -> &DataKeys {
        &self.keys
    }

    /// Now, by this store's clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The connection pool as it stands: connections open, and of them idle (for the
    /// operators' metrics: a pool with none idle is where requests queue).
    pub fn pool_stats(&self) -> PoolStats {
        let (open, idle) = match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        PoolStats {
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
        }
    }

    /// Whether the database answers now (one round trip on a pooled connection).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(db_err)
    }

    /// Applies pending migrations; a no-op when the schema is current.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await.map_err(db_err)
    }

    /// Names of the applied migrations, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(Migrator::get_applied_migrations(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Whether this is SQLite or PostgreSQL.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at
    /// the start, so two commands that read then write queue on the busy timeout instead of
    /// deadlocking when both try to upgrade a read lock. PostgreSQL ignores the mode.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
            .map_err(db_err)
    }

    /// The sea-orm connection, for adapters in this workspace that need raw access (bulk paths,
    /// benchmarks).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl UnitOfWork for Store {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(SeaTransaction::new(
            self.begin_write().await?,
            self.clock.clone(),
            self.keys.clone(),
        )))
    }
}
