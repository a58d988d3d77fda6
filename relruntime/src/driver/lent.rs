//! Your own sqlx pools and connections, lent to Rel: `Db::from_pool` takes a pool
//! ([`SqlxPool`]), and queries and writes take `&mut` a connection or a
//! `sqlx::Transaction` ([`SqlxConn`]).

use super::link::Link;
use super::pool::SqlxPool;
use super::{Driver, for_each_driver};
use crate::sql::dialect::Dialect;
use std::sync::Arc;

/// A connection of yours, lent to Rel for one query or write: `&mut` a
/// `sqlx::SqliteConnection`, `PgConnection` or `MySqlConnection`, a pooled one, or a
/// `sqlx::Transaction` of any of them. Pass it where a `Db` goes:
/// `User::query().all(&mut tx)`.
///
/// Each operation runs at a savepoint inside your transaction (so one that fails is
/// undone alone and your transaction goes on), or in a transaction of its own on a
/// connection outside one. On MySQL, each operation first asks the server's version
/// (MariaDB and MySQL 8 differ, and a lent connection has no place to keep the
/// answer). Emulated mode needs a `Db` (it knows the schema and the mode): write
/// through `db.on(&mut tx)`, and a write to a table with relations on a lent connection
/// without its `Db` is refused with `Error::Enforcement`.
pub struct SqlxConn<'a> {
    link: Link<'a>,
}

impl<'a> SqlxConn<'a> {
    fn lend<D: Driver>(conn: &'a mut D::Connection) -> Self
    where
        for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    {
        SqlxConn {
            link: Link::lent::<D>(conn),
        }
    }

    /// The dialect the connection speaks (on MySQL, MariaDB's until the link is
    /// readied: see `Link::ready`).
    pub(crate) fn dialect(&self) -> Dialect {
        crate::sql::exec::Executor::dialect(&self.link)
    }

    /// The connection, for one operation.
    pub(crate) fn into_link(self) -> Link<'a> {
        self.link
    }
}

/// The conversions of one driver's pools and connections.
macro_rules! lend {
    ($cfg:meta, $folder:ident, $db:ty, $conn:ty) => {
        #[cfg($cfg)]
        impl From<sqlx::Pool<$db>> for SqlxPool {
            fn from(pool: sqlx::Pool<$db>) -> Self {
                SqlxPool(Arc::new(pool))
            }
        }
        #[cfg($cfg)]
        impl<'a> From<&'a mut $conn> for SqlxConn<'a> {
            fn from(conn: &'a mut $conn) -> Self {
                SqlxConn::lend::<$db>(conn)
            }
        }
        #[cfg($cfg)]
        impl<'a> From<&'a mut sqlx::pool::PoolConnection<$db>> for SqlxConn<'a> {
            fn from(conn: &'a mut sqlx::pool::PoolConnection<$db>) -> Self {
                SqlxConn::lend::<$db>(&mut **conn)
            }
        }
        #[cfg($cfg)]
        impl<'a, 't> From<&'a mut sqlx::Transaction<'t, $db>> for SqlxConn<'a> {
            fn from(tx: &'a mut sqlx::Transaction<'t, $db>) -> Self {
                SqlxConn::lend::<$db>(&mut **tx)
            }
        }
    };
}
for_each_driver!(lend);
