//! Your own sqlx pools and connections, lent to Rel: `Db::from_pool` takes a pool,
//! and queries and writes take `&mut` a connection or a `sqlx::Transaction`
//! ([`SqlxConn`]).

use super::{Flags, HeldConn, Pool, Pools, Runner, Session};
use crate::model::error::Result;
use crate::sql::dialect::{Dialect, Wire};
use std::sync::atomic::AtomicU64;

/// A sqlx pool of yours, for [`Db::from_pool`](crate::Db::from_pool): a
/// `sqlx::SqlitePool`, `sqlx::PgPool` or `sqlx::MySqlPool` converts into it.
pub struct SqlxPool(Pools);

#[cfg(feature = "sqlite")]
impl From<sqlx::SqlitePool> for SqlxPool {
    fn from(pool: sqlx::SqlitePool) -> Self {
        SqlxPool(Pools::Sqlite(pool))
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::PgPool> for SqlxPool {
    fn from(pool: sqlx::PgPool) -> Self {
        SqlxPool(Pools::Postgres(pool))
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::MySqlPool> for SqlxPool {
    fn from(pool: sqlx::MySqlPool) -> Self {
        SqlxPool(Pools::MySql(pool))
    }
}

impl Pool {
    /// A pool of the user's. Its connections were not made by Rel, so each one Rel
    /// acquires is prepared first (SQLite's functions and pragmas); on MySQL a first
    /// connection asks the server's version and whether it is a cluster node.
    pub(crate) async fn from_sqlx(pool: SqlxPool) -> Result<Pool> {
        let (dialect, multi_primary) = match &pool.0 {
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(_) => (Dialect::of_wire(Wire::Sqlite), false),
            #[cfg(feature = "postgres")]
            Pools::Postgres(_) => (Dialect::of_wire(Wire::Postgres), false),
            #[cfg(feature = "mysql")]
            Pools::MySql(p) => {
                let mut conn = p.acquire().await?;
                super::mysql::server(&mut conn, Dialect::of_wire(Wire::MySql)).await?
            }
        };
        Ok(Pool {
            dialect,
            pool: pool.0,
            flags: Flags {
                guards: multi_primary,
                ..Flags::lent()
            },
            borrowed: true,
        })
    }
}

/// Readies a connection Rel did not make: on SQLite, its functions and pragmas
/// (foreign keys on, case-sensitive `LIKE`), as Rel's own pools do on connect. Returns
/// whether reads may step the connection directly (see `Flags::direct_reads`).
pub(super) async fn prepare(conn: &mut HeldConn, dialect: Dialect) -> Result<bool> {
    match conn {
        #[cfg(feature = "sqlite")]
        HeldConn::Sqlite(c) => prepare_sqlite(c, dialect).await,
        #[allow(unreachable_patterns)]
        _ => {
            let _ = dialect;
            Ok(false)
        }
    }
}

/// Readies a SQLite connection of the user's; whether it reads directly: when its
/// database is in WAL mode or in memory, where a read waits for no writer's lock.
#[cfg(feature = "sqlite")]
async fn prepare_sqlite(c: &mut sqlx::SqliteConnection, dialect: Dialect) -> Result<bool> {
    super::sqlite_functions::register(c).await?;
    for sql in dialect.syntax().connection_setup {
        sqlx::query(*sql).execute(&mut *c).await?;
    }
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await?;
    Ok(mode.eq_ignore_ascii_case("wal") || mode.eq_ignore_ascii_case("memory"))
}

/// A connection of yours, lent to Rel for one query or write: `&mut` a
/// `sqlx::SqliteConnection`, `PgConnection` or `MySqlConnection`, a pooled one, or a
/// `sqlx::Transaction` of any of them. Pass it where a `Db` goes:
/// `User::query().all(&mut tx)`.
///
/// Each operation runs at a savepoint inside your transaction (so one that fails is
/// undone alone and your transaction goes on), or in a transaction of its own on a
/// connection outside one. On MySQL, each operation first asks the server's version
/// (MariaDB and MySQL 8 differ, and a lent connection has no place to keep the
/// answer). Emulated mode needs a `Db` (it knows the schema), so on a lent connection
/// relations are the database's foreign keys.
pub struct SqlxConn<'a>(Lent<'a>, Flags, Dialect);

enum Lent<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

macro_rules! lend {
    ($feature:literal, $variant:ident, $db:ty, $conn:ty) => {
        #[cfg(feature = $feature)]
        impl<'a> From<&'a mut $conn> for SqlxConn<'a> {
            fn from(conn: &'a mut $conn) -> Self {
                SqlxConn(
                    Lent::$variant(conn),
                    Flags::lent(),
                    Dialect::of_wire(Wire::$variant),
                )
            }
        }
        #[cfg(feature = $feature)]
        impl<'a> From<&'a mut sqlx::pool::PoolConnection<$db>> for SqlxConn<'a> {
            fn from(conn: &'a mut sqlx::pool::PoolConnection<$db>) -> Self {
                SqlxConn(
                    Lent::$variant(&mut **conn),
                    Flags::lent(),
                    Dialect::of_wire(Wire::$variant),
                )
            }
        }
        #[cfg(feature = $feature)]
        impl<'a, 't> From<&'a mut sqlx::Transaction<'t, $db>> for SqlxConn<'a> {
            fn from(tx: &'a mut sqlx::Transaction<'t, $db>) -> Self {
                SqlxConn(
                    Lent::$variant(&mut **tx),
                    Flags::lent(),
                    Dialect::of_wire(Wire::$variant),
                )
            }
        }
    };
}

lend!("sqlite", Sqlite, sqlx::Sqlite, sqlx::SqliteConnection);
lend!("postgres", Postgres, sqlx::Postgres, sqlx::PgConnection);
lend!("mysql", MySql, sqlx::MySql, sqlx::MySqlConnection);

impl SqlxConn<'_> {
    /// The dialect the connection speaks (on MySQL, MariaDB's until [`Self::prepare`]
    /// has asked the server).
    pub(crate) fn dialect(&self) -> Dialect {
        self.2
    }

    /// Whether the connection is inside a transaction (a `sqlx::Transaction`'s).
    pub(crate) fn in_transaction(&self) -> bool {
        use sqlx::Connection;
        match &self.0 {
            #[cfg(feature = "sqlite")]
            Lent::Sqlite(c) => c.is_in_transaction(),
            #[cfg(feature = "postgres")]
            Lent::Postgres(c) => c.is_in_transaction(),
            #[cfg(feature = "mysql")]
            Lent::MySql(c) => c.is_in_transaction(),
        }
    }

    /// Readies the connection (see [`prepare`]); on MySQL, asks the server which
    /// dialect it speaks.
    pub(crate) async fn prepare(&mut self) -> Result<()> {
        match &mut self.0 {
            #[cfg(feature = "sqlite")]
            Lent::Sqlite(c) => self.1.direct_reads = prepare_sqlite(c, self.2).await?,
            #[cfg(feature = "mysql")]
            Lent::MySql(c) => self.2 = super::mysql::variant(c, self.2).await?,
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    /// Runs one statement of Rel's own (a savepoint, a BEGIN or a COMMIT).
    pub(crate) async fn statement(&mut self, sql: &'static str) -> Result<()> {
        use sqlx::{AssertSqlSafe, Executor};
        match &mut self.0 {
            #[cfg(feature = "sqlite")]
            Lent::Sqlite(c) => c.execute(AssertSqlSafe(sql)).await.map(drop)?,
            #[cfg(feature = "postgres")]
            Lent::Postgres(c) => c.execute(AssertSqlSafe(sql)).await.map(drop)?,
            #[cfg(feature = "mysql")]
            Lent::MySql(c) => c.execute(AssertSqlSafe(sql)).await.map(drop)?,
        }
        Ok(())
    }

    /// What the reading and writing layers run their statements on.
    pub(crate) fn runner<'b>(&'b mut self, statements: &'b AtomicU64) -> Runner<'b> {
        let dialect = self.dialect();
        let session = match &mut self.0 {
            #[cfg(feature = "sqlite")]
            Lent::Sqlite(c) => Session::Sqlite(c),
            #[cfg(feature = "postgres")]
            Lent::Postgres(c) => Session::Postgres(c),
            #[cfg(feature = "mysql")]
            Lent::MySql(c) => Session::MySql(c),
        };
        Runner {
            dialect,
            session,
            statements,
            flags: self.1,
            sent: 0,
            read: 0,
            #[cfg(feature = "sqlite")]
            unanswered: 0,
        }
    }
}
