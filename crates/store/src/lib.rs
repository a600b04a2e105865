//! # yigong-store
//!
//! The persistence adapter: sea-orm entities, forward-only migrations, and the repositories that
//! implement `yigong-ports`. One code path serves SQLite (the embedded default, WAL, foreign keys
//! on) and PostgreSQL (production).
//!
//! ## Layout
//! - [`migration`]: the versioned migrations and [`Migrator`].
//! - `entity`: sea-orm models; they never leave this crate.
//! - [`Store`]: connection, migrations, the unit of work and the read-side queries.
//! - `tx`: [`SeaTransaction`], the repositories inside one database transaction; `followup`
//!   adds the resident, enrolment, plan and visit repositories and the worklist query.
//! - `convert`: domain ↔ row translation and driver-error mapping (adapters translate, never
//!   decide).

mod convert;
mod deadline;
mod entity;
mod followup;
mod indicator;
pub mod migration;
mod network;
mod queries;
mod relay;
mod screening;
mod tx;

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use yigong_ports::{StoreError, Transaction, UnitOfWork};

pub use migration::Migrator;
pub use tx::SeaTransaction;

use crate::convert::db_err;

/// The database behind the ports.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
}

impl Store {
    /// Connects to `url`: `sqlite://path/to/yigong.db?mode=rwc`, `sqlite::memory:` or
    /// `postgres://user@host/db`. SQLite runs in WAL mode with foreign keys on and a busy timeout,
    /// so concurrent writers wait instead of failing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .max_connections(if url.starts_with("sqlite") { 8 } else { 32 })
            .acquire_timeout(Duration::from_secs(10))
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
        let db = Database::connect(options).await.map_err(db_err)?;
        Ok(Store { db })
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
        Ok(Box::new(SeaTransaction::new(self.begin_write().await?)))
    }
}
