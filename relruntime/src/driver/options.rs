//! How to connect: pool size, timeouts, and SQLite's journal and busy timeout.

use std::time::Duration;

/// SQLite's journal mode for a file database.
///
/// ```
/// use rel::JournalMode;
/// assert_eq!(JournalMode::default(), JournalMode::Wal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JournalMode {
    /// Write-ahead log (the default): readers do not block the writer, nor the writer
    /// readers.
    #[default]
    Wal,
    /// The rollback journal, SQLite's own default: a writer blocks every reader.
    Delete,
    /// The rollback journal, truncated instead of deleted.
    Truncate,
    /// The rollback journal, kept and zeroed.
    Persist,
    /// The rollback journal in memory: a crash during a write can corrupt the file.
    Memory,
}

/// The settings a `Db` connects with (see `DbBuilder`).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// The most connections the pool opens (sqlx's default when `None`).
    pub max_connections: Option<u32>,
    /// How many connections the pool keeps open.
    pub min_connections: Option<u32>,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long an operation may wait for a free connection.
    pub acquire_timeout: Duration,
    /// How long a SQLite statement waits for another connection's lock.
    pub busy_timeout: Duration,
    /// The journal mode of a SQLite file database.
    pub journal_mode: JournalMode,
    /// Emulated mode without its row locks: a test's switch, to show what they prevent.
    pub without_locks: bool,
    /// Emulated mode without its conflict guards on a multi-primary cluster: a test's
    /// switch, to show what they prevent.
    pub without_guards: bool,
    /// Whether statement events carry the bound values (off: they may be private).
    pub trace_values: bool,
    /// Whether SQLite reads step the connection directly where they can (on).
    pub direct_reads: bool,
    /// How many prepared statements each connection keeps (sqlx's cache, and on
    /// SQLite Rel's own for direct reads); 0 keeps none.
    pub statement_cache: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_connections: None,
            min_connections: None,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
            journal_mode: JournalMode::Wal,
            without_locks: false,
            without_guards: false,
            trace_values: false,
            direct_reads: true,
            statement_cache: 100,
        }
    }
}

/// Runs `connecting` for at most `settings.connect_timeout`. An unreachable server is
/// `Error::Connect` carrying the driver's cause (connection refused, unknown host,
/// bad password), not a pool's timeout after 30 seconds.
pub(super) async fn probe<C, F>(url: &str, settings: &Settings, connecting: F) -> crate::Result<C>
where
    F: std::future::Future<Output = Result<C, sqlx::Error>>,
{
    match tokio::time::timeout(settings.connect_timeout, connecting).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(super::connect_error(url, e.to_string())),
        Err(_) => Err(super::connect_error(
            url,
            format!(
                "no connection within the connect timeout ({} s)",
                settings.connect_timeout.as_secs_f64()
            ),
        )),
    }
}

/// A pool's options from the settings: size and acquire timeout.
pub(super) fn pool_options<DB: sqlx::Database>(settings: &Settings) -> sqlx::pool::PoolOptions<DB> {
    // Handed out untested, unlike sqlx's default: its ping is a round trip before
    // every operation. A server may end a connection while it sits idle (a restart, a
    // failover, `KILL`), so Rel tests one itself where the operation's first statement
    // could not safely run twice, and otherwise runs that statement again on a tested
    // connection when it finds the connection gone (see `Pool::acquire`).
    let mut pool = sqlx::pool::PoolOptions::new()
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false);
    if let Some(n) = settings.max_connections {
        pool = pool.max_connections(n);
    }
    if let Some(n) = settings.min_connections {
        pool = pool.min_connections(n);
    }
    pool
}
