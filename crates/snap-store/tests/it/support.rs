//! The backends the contract runs against: a redb file in a temp dir, and (feature `postgres`)
//! a fresh schema in the database named by `SNAP_TEST_DATABASE_URL`.

use std::future::Future;

use snap_store::NotificationStore;

/// A place a store lives: `open` may be called again after the previous store was dropped
/// (a restart) and sees what it stored.
pub trait Backend {
    fn open(&self) -> impl Future<Output = NotificationStore>;
    /// Whether in-progress claims survive a restart (held in a lease) rather than vanish with the
    /// process.
    const LEASED_CLAIMS: bool;
}

pub struct Redb {
    dir: tempfile::TempDir,
}

impl Redb {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

impl Backend for Redb {
    const LEASED_CLAIMS: bool = false;

    async fn open(&self) -> NotificationStore {
        NotificationStore::open_redb(self.dir.path().join("store.redb")).unwrap()
    }
}

/// The database URL, or `None` (with a visible note) outside CI; under CI a missing database fails.
#[cfg(feature = "postgres")]
pub fn database_url() -> Option<String> {
    match std::env::var("SNAP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("SNAP_TEST_DATABASE_URL is not set under CI (bash .ci/test sets it)")
        }
        _ => {
            eprintln!("skipped: no database (set SNAP_TEST_DATABASE_URL, or run bash .ci/test)");
            None
        }
    }
}

#[cfg(feature = "postgres")]
pub struct Postgres {
    url: String,
    schema: String,
}

#[cfg(feature = "postgres")]
impl Postgres {
    /// A schema of its own in the test database, or `None` when there is no database.
    pub async fn new() -> Option<Self> {
        let url = database_url()?;
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let schema = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .await
            .unwrap();
        Some(Self { url, schema })
    }

    /// A pool of the user's own making, with the schema on its search path.
    pub fn pool(&self, size: usize) -> snap_store::PgPool {
        let mut config: tokio_postgres::Config = self.url.parse().unwrap();
        config.options(format!("-c search_path={}", self.schema));
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        deadpool_postgres::Pool::builder(manager)
            .max_size(size)
            .build()
            .unwrap()
    }
}

#[cfg(feature = "postgres")]
impl Backend for Postgres {
    const LEASED_CLAIMS: bool = true;

    async fn open(&self) -> NotificationStore {
        NotificationStore::postgres(self.pool(16), true)
            .await
            .unwrap()
            .with_lease(std::time::Duration::from_secs(2))
    }
}
