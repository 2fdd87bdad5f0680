//! The store handle: which engine, the read pool, the writer.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use tokio::sync::broadcast;

pub use crate::backend::Backend;
use crate::bus::{Bus, BusMessage};
use crate::error::StoreError;
use crate::migrate;
use crate::notify::Notify;
use crate::notify::Outgoing;
use crate::seal::Sealer;
use crate::writer::Writer;
use switchboard_domain::lease::Lease;

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections for reads (and, on PostgreSQL, writes).
    pub max_connections: u32,
    /// How long to wait for a connection before reporting the database unavailable.
    pub acquire_timeout: Duration,
    /// Seals mail server passwords; without it, aliases cannot hold passwords.
    pub sealer: Option<Sealer>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            sealer: None,
        }
    }
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
    /// When set, every write checks in its own transaction that this lease is still held
    /// (see [`Store::fenced`]).
    pub(crate) fence: Option<Arc<Lease>>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    pub(crate) read: AnyPool,
    pub(crate) writer: Writer,
    pub(crate) write_pool: AnyPool,
    pub(crate) sealer: Option<Sealer>,
    pub(crate) notify: Arc<Notify>,
    /// The cluster bus (PostgreSQL only).
    pub(crate) bus: Option<Bus>,
}

impl Store {
    /// Connects to `url`. For SQLite the file is created when missing. Does not migrate: call
    /// [`Store::migrate`].
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let base = AnyPoolOptions::new()
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(true);
        let (read, write_pool, writers) = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                // The writer's connection is opened first so it creates the file and WAL mode.
                let write_pool = base
                    .clone()
                    .max_connections(1)
                    .min_connections(1)
                    .after_connect(|c, _| {
                        Box::pin(async move {
                            sqlite_pragmas(c).await?;
                            // The one writer keeps the pages it writes around (indexes of
                            // large tables above all), not SQLite's default 2 MiB.
                            c.execute(WRITER_CACHE).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                let read = base
                    .max_connections(options.max_connections.max(1))
                    .after_connect(|c, _| {
                        Box::pin(async move {
                            sqlite_pragmas(c).await?;
                            // Readers map the file: a report's scan of the rollup reads pages
                            // from memory, not a system call per page (the writer does not).
                            // The whole file, up to 64 GiB (the build raises SQLite's cap,
                            // see `.cargo/config.toml`): the rollup's pages lie anywhere in it.
                            c.execute(MAP_READERS).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                (read, write_pool, 1)
            }
            Backend::Postgres => {
                let pool = base
                    .max_connections(options.max_connections.max(2))
                    .connect(url)
                    .await?;
                (pool.clone(), pool, 4)
            }
        };
        let writer = Writer::start(write_pool.clone(), backend, writers);
        let notify = Arc::new(Notify::default());
        let bus = (backend == Backend::Postgres).then(|| {
            let origin = crate::auth::random_secret()[..12].to_string();
            let bus = Bus::start(url, write_pool.clone(), origin, Arc::clone(&notify));
            notify.publish_to(bus.sender());
            bus
        });
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                read,
                writer,
                write_pool,
                sealer: options.sealer.clone(),
                notify,
                bus,
            }),
            fence: None,
        })
    }

    /// The sealer for secrets, or a clear error when none is configured.
    pub(crate) fn sealer(&self) -> Result<&Sealer, StoreError> {
        self.inner.sealer.as_ref().ok_or_else(|| {
            StoreError::Internal("no secret key configured: passwords cannot be stored".into())
        })
    }

    /// Change notifications for the services in this process.
    pub fn notify(&self) -> &Notify {
        &self.inner.notify
    }

    /// Tells the services about a committed change; nothing when the write failed.
    pub(crate) fn announce<T>(&self, result: &Result<T, StoreError>, notice: fn(&Notify)) {
        if result.is_ok() {
            notice(&self.inner.notify);
        }
    }

    /// Runs a write job in the group-commit writer; when this handle is fenced, its
    /// transaction first checks the lease is still held.
    pub(crate) async fn writes<T: Send + 'static>(
        &self,
        job: impl for<'c> FnMut(&'c mut sqlx::AnyConnection) -> BoxFuture<'c, Result<T, StoreError>>
        + Send
        + 'static,
    ) -> Result<T, StoreError> {
        self.inner
            .writer
            .write_fenced(self.fence.clone(), job)
            .await
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Applies pending schema migrations; returns the versions applied.
    pub async fn migrate(&self, now_ms: i64) -> Result<Vec<i64>, StoreError> {
        migrate::run(&self.inner.write_pool, self.inner.backend, now_ms).await
    }

    /// The schema version of the database, and the newest this build knows.
    pub async fn schema_version(&self) -> Result<(i64, i64), StoreError> {
        Ok((
            migrate::current_version(&self.inner.read).await?,
            migrate::latest_version(),
        ))
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.inner.read.execute("SELECT 1").await?;
        Ok(())
    }

    /// Sends `payload` on `topic` to the other nodes of a cluster (nothing on a single-node
    /// store); at most about 7,800 bytes, after this transaction-free send.
    pub fn publish(&self, topic: &str, payload: String) {
        if let Some(bus) = &self.inner.bus {
            let _ = bus.sender().send(Outgoing::Message {
                topic: topic.to_string(),
                payload,
            });
        }
    }

    /// What the other nodes of a cluster send from now on; `None` on a single-node store.
    pub fn bus(&self) -> Option<broadcast::Receiver<BusMessage>> {
        self.inner.bus.as_ref().map(Bus::subscribe)
    }

    /// Closes every connection; pending writes finish first.
    pub async fn close(&self) {
        if let Some(bus) = &self.inner.bus {
            bus.stop();
        }
        self.inner.read.close().await;
        self.inner.write_pool.close().await;
    }
}

/// How much of the database file SQLite's read connections map: 64 GiB of address space, not
/// of memory (pages come in as they are read and belong to the file cache).
const MAP_READERS: &str = "PRAGMA mmap_size = 68719476736";

/// The SQLite writer's page cache: 64 MiB (negative: in KiB).
const WRITER_CACHE: &str = "PRAGMA cache_size = -65536";

/// Adds `mode=rwc` so a missing database file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

async fn sqlite_pragmas(c: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    // WAL: readers never block the writer. FULL: every commit is on disk when it returns; group
    // commit is what makes that affordable.
    c.execute("PRAGMA journal_mode = WAL").await?;
    c.execute("PRAGMA synchronous = FULL").await?;
    c.execute("PRAGMA foreign_keys = ON").await?;
    c.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(())
}

/// Creates an empty PostgreSQL database `name` through a server URL (for tests and set-up
/// scripts) and returns the URL of the new database.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, StoreError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Invalid(
            switchboard_domain::ValidationError::new("name", "letters, digits and _ only"),
        ));
    }
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await?;
    // CREATE DATABASE cannot run in a transaction: plain statement on a plain connection.
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    pool.close().await;
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    Ok(format!("{base}/{name}{query}"))
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::{Store, StoreOptions};

    #[tokio::test]
    #[allow(clippy::unwrap_used)]
    async fn sqlite_readers_map_files_past_sqlites_default_cap() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("map.db").display());
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        let row = sqlx::query("PRAGMA mmap_size")
            .fetch_one(&store.inner.read)
            .await
            .unwrap();
        // SQLite lowers a larger request to its build's cap (2 GiB unless raised): the build
        // must raise it, or the rollup's pages past 2 GiB are read a system call at a time.
        assert_eq!(row.try_get::<i64, _>(0).unwrap(), 64 << 30);
        store.close().await;
    }
}
