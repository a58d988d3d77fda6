//! `DbBuilder`: the pool's settings before connecting.

use super::database::Db;
use super::replicas::{Config, ReplicaChooser};
use crate::driver::{JournalMode, Pool, Settings};
use crate::model::error::Result;
use crate::model::schema::RelationMode;
use crate::sql::exec::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// The settings of a [`Db`]'s pool, set before connecting. Start with
/// [`Db::builder`]; [`Db::connect`] uses the defaults.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
/// use std::time::Duration;
///
/// let path = std::env::temp_dir().join(format!("rel_builder_{}.db", std::process::id()));
/// let db = Db::builder(&format!("sqlite://{}", path.display()))
///     .max_connections(4)
///     .connect_timeout(Duration::from_secs(3))
///     .sqlite_busy_timeout(Duration::from_secs(2))
///     .connect()
///     .await?;
/// assert_eq!(db.dialect(), Dialect::Sqlite);
/// # drop(db); let _ = std::fs::remove_file(&path);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until `.connect()`"]
pub struct DbBuilder {
    pub(super) url: String,
    pub(super) settings: Settings,
    /// The relation mode the `Db` declares, if any.
    pub(super) mode: Option<RelationMode>,
    /// The URLs of its read replicas.
    pub(super) replicas: Vec<String>,
    pub(super) replica_config: Config,
}

/// Shows the settings, never the URLs or their passwords.
impl std::fmt::Debug for DbBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbBuilder")
            .field("settings", &self.settings)
            .field("mode", &self.mode)
            .field("replicas", &self.replicas.len())
            .finish_non_exhaustive()
    }
}

impl DbBuilder {
    /// The most connections the pool opens (sqlx's default, 10, otherwise). An
    /// in-memory SQLite database always has exactly one. On a SQLite file database
    /// with direct reads (`sqlite_direct_reads`), one of them is held aside for reads
    /// (where `n` is 2 or more), and the sqlx pool (`Db::sqlite_pool`) has the others.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.settings.max_connections = Some(n);
        self
    }

    /// How many connections the pool keeps open when idle (none by default).
    pub fn min_connections(mut self, n: u32) -> Self {
        self.settings.min_connections = Some(n);
        self
    }

    /// How long opening the first connection may take (10 s by default). An
    /// unreachable server is `Error::Connect` with the driver's cause, within it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long an operation waits for a free connection of the pool (30 s by default).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.settings.acquire_timeout = timeout;
        self
    }

    /// How long a SQLite statement waits for another connection's write lock before it
    /// fails with `database is locked` (5 s by default).
    pub fn sqlite_busy_timeout(mut self, timeout: Duration) -> Self {
        self.settings.busy_timeout = timeout;
        self
    }

    /// The journal mode of a SQLite file database ([`JournalMode::Wal`] by default).
    pub fn sqlite_journal_mode(mut self, mode: JournalMode) -> Self {
        self.settings.journal_mode = mode;
        self
    }

    /// Whether SQLite reads step the connection's handle directly (on by default),
    /// rather than through sqlx's worker thread, which hands rows over a channel.
    ///
    /// Direct reads are two to three times as fast on large loads, and on small ones
    /// they cost about the same or less (Rel keeps their statements prepared, see
    /// [`statement_cache`](DbBuilder::statement_cache), and `benches/sqlite_small.rs`).
    /// They run on the task's
    /// own thread, yielding to the executor every 256 rows; only SQLite producing the
    /// first row (a sort, say) blocks longer, as it would with Diesel or rusqlite. They
    /// apply to read-only statements, on databases in memory or in WAL mode, where a
    /// read never waits for a writer's lock; in the other journal modes reads always go
    /// through sqlx. Turn them off to keep every SQLite call off the executor.
    ///
    /// On a file database, one connection of the pool is held aside for reads, its
    /// handle kept from sqlx's worker thread between reads, so that a read there costs
    /// no exchange with that thread: a point lookup takes about a quarter of the time
    /// of the same read through sqlx (`benches/small_reads.rs`). One read operation
    /// uses it at a time; the others read on the pool's connections, directly too.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::builder("sqlite::memory:")
    ///     .sqlite_direct_reads(false)
    ///     .connect()
    ///     .await?;
    /// # drop(db);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn sqlite_direct_reads(mut self, on: bool) -> Self {
        self.settings.direct_reads = on;
        self
    }

    /// How many prepared statements each connection keeps for the next run of the same
    /// SQL (100 by default, sqlx's own default). On PostgreSQL and MySQL it is sqlx's
    /// statement cache; on SQLite, sqlx's and, for direct reads on Rel's own pools,
    /// Rel's. A statement run again skips the server's parse and plan. 0 keeps none:
    /// for a server behind a pooler that cannot hold prepared statements across
    /// transactions (PgBouncer in transaction mode before 1.21).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::builder("sqlite::memory:")
    ///     .statement_cache(500)
    ///     .connect()
    ///     .await?;
    /// # drop(db);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn statement_cache(mut self, statements: usize) -> Self {
        self.settings.statement_cache = statements;
        self
    }

    /// Emulated mode without its row locks: **unsafe for production**, concurrent
    /// writers then leave orphans. Only for tests that show what the locks prevent;
    /// it exists only with rel's cargo feature `unsafe-test-switches`.
    #[cfg(feature = "unsafe-test-switches")]
    #[doc(hidden)]
    pub fn unsafe_without_emulation_locks(mut self) -> Self {
        self.settings.without_locks = true;
        self
    }

    /// Whether the `tracing` events of the statements Rel sends carry their bound
    /// values (off by default: values may be private data).
    pub fn trace_values(mut self, on: bool) -> Self {
        self.settings.trace_values = on;
        self
    }

    /// Emulated mode without its conflict guards on a multi-primary cluster (see
    /// [`Db::is_multi_primary`]): **unsafe for production**, writers on different
    /// nodes then leave orphans. Only for tests that show what the guards prevent; it
    /// exists only with rel's cargo feature `unsafe-test-switches`.
    #[cfg(feature = "unsafe-test-switches")]
    #[doc(hidden)]
    pub fn unsafe_without_conflict_guards(mut self) -> Self {
        self.settings.without_guards = true;
        self
    }

    /// Who enforces the database's relations, for a database Rel did not create:
    /// one whose schema `Schema::create_all` did not record. (A database it created
    /// records its mode, and every `Db` reads it when it connects; a `Db` that declares
    /// another mode than the recorded one refuses to write.) Without either, writes to
    /// tables that take part in relations are refused with
    /// [`Error::Enforcement`](crate::Error::Enforcement), which says this.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    /// let db = Db::builder("sqlite::memory:")
    ///     .relation_mode(RelationMode::ForeignKeys)
    ///     .connect()
    ///     .await?;
    /// # let _ = db;
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn relation_mode(mut self, mode: RelationMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// A read replica of the database (a PostgreSQL streaming replica, or a MariaDB
    /// replica), by URL; call it once per replica. Reads (`all`, `get`, `first`,
    /// `count`, `select`, `load`, pages) then run on a replica the
    /// [chooser](DbBuilder::replica_chooser) picks among the healthy ones. Writes,
    /// transactions (their reads too), Emulated mode's checks and locks, migrations and
    /// `check_integrity` run on the primary; [`Db::primary`] sends a read there too.
    ///
    /// **A read after a write through the `Db` sees it.** After each write Rel asks
    /// the primary where its log stands (one statement: PostgreSQL's
    /// `pg_current_wal_insert_lsn()`, MariaDB's `@@gtid_binlog_pos`). A later read runs
    /// on a replica only once the replica has replayed that far (asked with one
    /// statement, unless an earlier answer says so), waiting for it up to
    /// [`replica_wait`](DbBuilder::replica_wait) (MariaDB's `MASTER_GTID_WAIT`; on
    /// PostgreSQL by asking again every 2 ms), and on the primary after that. Reads
    /// with no write before them cost nothing more. [`Db::position`] and
    /// [`Db::after`] carry a position to another request or process.
    ///
    /// **Faults.** A replica that cannot be reached is skipped for
    /// [`replica_retry`](DbBuilder::replica_retry), and the read runs on another or the
    /// primary: no read fails because a replica is down. At most once a second, the
    /// read that finds it due checks whether its replica lags: one that has not reached where the
    /// primary stood [`replica_max_lag`](DbBuilder::replica_max_lag) ago is skipped until
    /// it has.
    ///
    /// Not on SQLite (`Error::Connect`). On MySQL 8, with GTIDs on, untested here. The
    /// guide's page on read replicas (`rel::guide::replicas`) says more.
    ///
    /// ```no_run
    /// # async fn example() -> rel::Result<()> {
    /// let db = rel::Db::builder("postgres://app@primary/app")
    ///     .replica("postgres://app@replica-1/app")
    ///     .replica("postgres://app@replica-2/app")
    ///     .connect()
    ///     .await?;
    /// # let _ = db;
    /// # Ok(())
    /// # }
    /// ```
    pub fn replica(mut self, url: &str) -> Self {
        self.replicas.push(url.to_owned());
        self
    }

    /// How long a read after a write waits for a replica to replay the write before it
    /// runs on the primary (1 s by default; zero goes to the primary at once).
    pub fn replica_wait(mut self, wait: Duration) -> Self {
        self.replica_config.wait = wait;
        self
    }

    /// How far behind the primary a replica may be before reads skip it (10 s by
    /// default): one that has not replayed where the primary stood this long ago.
    pub fn replica_max_lag(mut self, lag: Duration) -> Self {
        self.replica_config.max_lag = lag;
        self
    }

    /// How long a replica that failed to connect is skipped before it is tried again
    /// (5 s by default).
    pub fn replica_retry(mut self, retry: Duration) -> Self {
        self.replica_config.retry = retry;
        self
    }

    /// How long opening a connection to a replica, or waiting for a free one, may take
    /// before the read goes elsewhere (1 s by default, and at most the pool's own
    /// timeouts).
    pub fn replica_timeout(mut self, timeout: Duration) -> Self {
        self.replica_config.timeout = timeout;
        self
    }

    /// What picks a replica for each read ([`RoundRobin`](crate::RoundRobin) by default).
    pub fn replica_chooser(mut self, chooser: impl ReplicaChooser) -> Self {
        self.replica_config.chooser = Arc::new(chooser);
        self
    }

    /// Reads that do not wait for the `Db`'s own writes: **unsafe for production**, a
    /// read after a write may then miss it. Only for tests that show what the waiting
    /// prevents; it exists only with rel's cargo feature `unsafe-test-switches`.
    #[cfg(feature = "unsafe-test-switches")]
    #[doc(hidden)]
    pub fn unsafe_without_read_your_writes(mut self) -> Self {
        self.replica_config.tracks_writes = false;
        self
    }

    /// Connects, and reads what the database recorded of its schema (one statement).
    pub async fn connect(self) -> Result<Db> {
        self.connect_boxed().await
    }

    /// `connect`'s work, boxed by a plain function so that it is compiled here, not in
    /// each crate that connects (see ARCHITECTURE.md, "Compiled once").
    fn connect_boxed(self) -> BoxFuture<'static, Result<Db>> {
        Box::pin(async move {
            let pool = Pool::connect(&self.url, &self.settings).await?;
            let mut db = Db::open(pool, self.mode).await?;
            if !self.replicas.is_empty() {
                db.attach_replicas(
                    self.replicas,
                    Vec::new(),
                    &self.settings,
                    self.replica_config,
                )
                .await?;
            }
            Ok(db)
        })
    }
}
