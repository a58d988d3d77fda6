//! The dialects: the registry of the public [`Dialect`] enum, and what each says.
//!
//! A dialect is mostly data: its constant answers are one [`Syntax`] value
//! (`syntax.rs`), and its behaviour a few small parts, each a trait with defaults where
//! most databases agree (`parts.rs`: DDL types, JSON cells, long lists, errors, server
//! versions). Each dialect's file states its `SYNTAX` and its `PARTS`; a variant of
//! another (MySQL 8 of MariaDB) copies the other's and replaces what differs:
//! `Syntax { returning: false, ..mysql::SYNTAX }`, `Parts { lists: &MySql8,
//! ..mysql::PARTS }`. Generic code asks the dialect (`d.syntax().unlimited`,
//! `d.ddl().type_name(..)`), and never matches on which dialect it is.
//!
//! A dialect is registered with one line in the `dialects!` list below. It says what
//! SQL to write; how values travel is its driver's business (the driver layer's folder
//! per wire protocol, named by each dialect's `Syntax::driver`); several
//! dialects may share a driver.

mod mysql;
mod mysql8;
mod parts;
mod postgres;
mod sqlite;
mod syntax;

pub use parts::{
    Catalog, Ddl, Errors, JsonCell, JsonCells, ListParameter, Lists, Missing, Parts, Replication,
    Server,
};
pub use sqlite::LinkedSqlite;
pub use syntax::{GUARD_TABLE, GuardSql, Syntax, UpsertClause};

/// Declares the [`Dialect`] enum: one line per dialect, `Variant => its parts`.
macro_rules! dialects {
    ($($(#[$doc:meta])* $variant:ident => $parts:path,)*) => {
        /// An SQL dialect.
        ///
        /// ```
        /// use rel::Dialect;
        /// assert_eq!(Dialect::from_url("postgres://localhost/db"), Some(Dialect::Postgres));
        /// assert_eq!(Dialect::Sqlite.quote("a\"b"), "\"a\"\"b\"");
        /// assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
        /// ```
        ///
        /// New dialects are added over time, so a `match` on it needs a `_` arm.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Dialect {
            $($(#[$doc])* $variant,)*
        }

        impl Dialect {
            /// All dialects, in a fixed order.
            pub const ALL: [Dialect; [$(stringify!($variant)),*].len()] = [$(Dialect::$variant),*];

            /// What this dialect says and does.
            pub fn parts(self) -> &'static Parts {
                match self {
                    $(Dialect::$variant => &$parts,)*
                }
            }
        }
    };
}

dialects! {
    /// SQLite 3.35 or later.
    Sqlite => sqlite::PARTS,
    /// PostgreSQL 13 or later.
    Postgres => postgres::PARTS,
    /// MariaDB 10.6 or later (`mysql://` or `mariadb://`).
    MySql => mysql::PARTS,
    /// MySQL 8, picked when a `mysql://` server says it is not MariaDB. Untested here:
    /// this machine has no MySQL 8 server.
    MySql8 => mysql8::PARTS,
}

impl Dialect {
    /// The dialect in which Rel describes a statement apart from the backend it runs
    /// on: a cursor's fingerprint is a hash of its filter and order written in it
    /// (`read/page.rs`), so that a cursor means the same on every backend.
    pub(crate) const DESCRIBED: Dialect = Dialect::Postgres;

    /// The dialect a connection URL speaks, from its scheme.
    pub fn from_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?;
        Dialect::ALL
            .into_iter()
            .find(|d| d.syntax().schemes.contains(&scheme))
    }

    /// Quotes an identifier: double quotes, or backticks on MySQL, doubled inside.
    pub fn quote(self, ident: &str) -> String {
        let q = self.syntax().quote;
        let mut out = String::with_capacity(ident.len() + 2);
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// The most parameters one statement may bind.
    pub fn bind_limit(self) -> usize {
        self.syntax().bind_limit
    }

    /// The dialect's constant answers.
    #[doc(hidden)]
    pub fn syntax(self) -> &'static Syntax {
        &self.parts().syntax
    }

    /// Column types and foreign keys in DDL.
    pub(crate) fn ddl(self) -> &'static dyn Ddl {
        self.parts().ddl
    }

    /// How each column type travels inside the Join strategy's JSON.
    pub(crate) fn json(self) -> &'static dyn JsonCells {
        self.parts().json
    }

    /// Long lists of values in one parameter.
    pub(crate) fn lists(self) -> &'static dyn Lists {
        self.parts().lists
    }

    /// Reading the database's errors.
    #[doc(hidden)]
    pub fn errors(self) -> &'static dyn Errors {
        self.parts().errors
    }

    /// What a server's version says.
    #[doc(hidden)]
    pub fn server(self) -> &'static dyn Server {
        self.parts().server
    }

    /// The queries that read a live database's shape.
    pub(crate) fn catalog(self) -> &'static Catalog {
        &self.parts().catalog
    }

    /// Where its servers' replication stands, where Rel routes reads to replicas.
    #[doc(hidden)]
    pub fn replication(self) -> Option<&'static Replication> {
        self.parts().replication.as_ref()
    }
}
