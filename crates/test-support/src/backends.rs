//! The backends every contract test runs on, and the ones the end-to-end and fault tests start
//! the service or the relay over.

use sea_orm::{ConnectionTrait, Database, Statement};
use uuid::Uuid;
use yigong_store::Store;

/// A store on a fresh database, with a label for assertion messages.
pub struct Backend {
    /// `sqlite-memory`, `sqlite-file` or `postgres`.
    pub name: &'static str,
    /// The store connected to the database.
    pub store: Store,
    /// The URL the store was connected with (another process can open the same database).
    pub url: String,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema { admin_url: String, schema: String },
}

impl Drop for Backend {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::File(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(Cleanup::Schema { admin_url, schema }) => {
                // Best effort and detached: Drop runs on a runtime worker, and blocking it could
                // stall the rollback of a transaction the test just dropped. Schemas a detached
                // cleanup did not reach are swept by the next run (`sweep_stale_schemas`).
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let db = Database::connect(admin_url.as_str()).await.ok()?;
                        drop_schema(&db, &schema).await;
                        Some(())
                    })
                });
            }
            None => {}
        }
    }
}

/// The PostgreSQL server's URL: `YIGONG_TEST_POSTGRES`, by default
/// `postgres://postgres@127.0.0.1:5432/test`.
pub fn postgres_url() -> String {
    std::env::var("YIGONG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether this is a CI run (`CI=true` or `CI=1`), where PostgreSQL is mandatory.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Every backend available here, migrated and empty.
pub async fn all() -> Vec<Backend> {
    with_schema(true).await
}

/// Every backend available here, empty and not migrated (to test upgrades step by step).
pub async fn unmigrated() -> Vec<Backend> {
    with_schema(false).await
}

async fn with_schema(migrated: bool) -> Vec<Backend> {
    let mut backends = vec![
        sqlite_memory(migrated).await,
        sqlite_file_with(migrated).await,
    ];
    match postgres_with(migrated).await {
        Ok(pg) => backends.push(pg),
        Err(reason) if ci() => {
            panic!("PostgreSQL is required with CI=true but is unavailable: {reason}")
        }
        Err(reason) => eprintln!("skipping the PostgreSQL leg: {reason}"),
    }
    backends
}

async fn sqlite_memory(migrated: bool) -> Backend {
    // A named shared-cache memory database, so the pool's connections see one database.
    let url = format!(
        "sqlite:file:mem{}?mode=memory&cache=shared",
        Uuid::new_v4().simple()
    );
    let store = Store::connect(&url).await.unwrap();
    if migrated {
        store.migrate().await.unwrap();
    }
    Backend {
        name: "sqlite-memory",
        store,
        url,
        cleanup: None,
    }
}

/// A migrated, empty SQLite database in a fresh file (removed when dropped).
pub async fn sqlite_file() -> Backend {
    sqlite_file_with(true).await
}

async fn sqlite_file_with(migrated: bool) -> Backend {
    let path = std::env::temp_dir().join(format!("yigong-contract-{}.db", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&url).await.unwrap();
    if migrated {
        store.migrate().await.unwrap();
    }
    Backend {
        name: "sqlite-file",
        store,
        url,
        cleanup: Some(Cleanup::File(path)),
    }
}

async fn drop_schema(db: &sea_orm::DatabaseConnection, schema: &str) {
    let backend = db.get_database_backend();
    let _ = db
        .execute_raw(Statement::from_string(backend, "SET lock_timeout = '5s'"))
        .await;
    let _ = db
        .execute_raw(Statement::from_string(
            backend,
            format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        ))
        .await;
}

/// Test schemas are named `t_<unix seconds>_<random>`; those older than ten minutes belong to runs
/// that ended without cleaning up, and are dropped.
async fn sweep_stale_schemas(db: &sea_orm::DatabaseConnection) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let Ok(rows) = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%\\_%'",
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "nspname") else {
            continue;
        };
        let created = name.split('_').nth(1).and_then(|s| s.parse::<i64>().ok());
        if created.is_some_and(|t| now - t > 600) {
            drop_schema(db, &name).await;
        }
    }
}

/// A migrated, empty fresh PostgreSQL schema (dropped when dropped), or why there is none. The
/// caller decides what its absence means (see [`ci`]).
pub async fn postgres() -> Result<Backend, String> {
    postgres_with(true).await
}

async fn postgres_with(migrated: bool) -> Result<Backend, String> {
    let admin_url = postgres_url();
    let admin = Database::connect(admin_url.as_str())
        .await
        .map_err(|e| format!("{admin_url}: {e}"))?;
    sweep_stale_schemas(&admin).await;
    let schema = format!(
        "t_{}_{}",
        time::OffsetDateTime::now_utc().unix_timestamp(),
        Uuid::new_v4().simple()
    );
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE SCHEMA {schema}"),
        ))
        .await
        .map_err(|e| e.to_string())?;
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::connect(&url).await.map_err(|e| e.to_string())?;
    if migrated {
        store.migrate().await.map_err(|e| e.to_string())?;
    }
    Ok(Backend {
        name: "postgres",
        store,
        url,
        cleanup: Some(Cleanup::Schema { admin_url, schema }),
    })
}
