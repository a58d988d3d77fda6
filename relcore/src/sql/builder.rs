//! The SQL builder, the one way SQL text is produced, and the statement it finishes.

use super::dialect::Dialect;
use crate::model::error::{Error, Result};
use crate::model::meta::Literal;
use crate::model::value::{SqlType, Value};
use std::fmt;

/// A statement ready to run: SQL text with placeholders, and the values bound to them.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The bound values, in placeholder order.
    pub binds: Vec<Value>,
    /// A LIKE pattern longer than the dialect takes: its column, and its length in
    /// bytes (see `Syntax::like_pattern_limit`).
    too_long_like: Option<(&'static str, usize)>,
    /// The first placeholder of a prepared query written with no value bound to it:
    /// its table, column and name (see [`Statement::check_bound`]).
    unbound: Option<(&'static str, &'static str, &'static str)>,
}

impl Statement {
    /// [`Error::Unbound`] when a prepared query's placeholder in it was given no value
    /// (NULL stands in its place in the SQL's binds), so that it is never sent.
    #[doc(hidden)]
    pub fn check_bound(&self) -> Result<()> {
        match self.unbound {
            Some((table, column, placeholder)) => Err(Error::Unbound {
                table,
                column,
                placeholder,
            }),
            None => Ok(()),
        }
    }

    /// [`Error::TooManyBinds`] when the statement binds more values than `dialect`
    /// accepts, and [`Error::UnsupportedValue`] when a LIKE pattern is longer than it
    /// takes, before it is sent.
    pub(crate) fn check_binds(&self, dialect: Dialect, table: &'static str) -> Result<()> {
        if let (Some((column, len)), Some(max)) =
            (self.too_long_like, dialect.syntax().like_pattern_limit)
        {
            return Err(Error::UnsupportedValue {
                table,
                column,
                message: format!(
                    "{} takes LIKE patterns of at most {max} bytes, and this one has {len}; \
                     filter on a shorter pattern, or with eq",
                    dialect.syntax().name
                ),
            });
        }
        let limit = dialect.bind_limit();
        if self.binds.len() > limit {
            return Err(Error::TooManyBinds {
                table,
                binds: self.binds.len(),
                dialect: dialect.syntax().name,
                limit,
            });
        }
        Ok(())
    }
}

impl Statement {
    /// The SQL indented for reading, one clause per line and each nested subquery (a
    /// Join statement's relations) indented under its parent; the binds are unchanged.
    /// Formatted by the `sqlformat` crate; needs rel's `pretty` cargo feature.
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct Tag {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     name: String,
    /// }
    ///
    /// let stmt = Tag::query().filter(Tag::name.eq("rust")).to_sql(Dialect::Postgres);
    /// assert_eq!(
    ///     stmt.pretty(),
    ///     [
    ///         r#"SELECT"#,
    ///         r#"  "t0"."id","#,
    ///         r#"  "t0"."name""#,
    ///         r#"FROM"#,
    ///         r#"  "tag" AS "t0""#,
    ///         r#"WHERE"#,
    ///         r#"  "t0"."name" = $1"#,
    ///         r#"ORDER BY"#,
    ///         r#"  "t0"."id" ASC"#,
    ///     ]
    ///     .join("\n")
    /// );
    /// ```
    #[cfg(feature = "pretty")]
    pub fn pretty(&self) -> String {
        let options = sqlformat::FormatOptions {
            uppercase: Some(true),
            ..sqlformat::FormatOptions::default()
        };
        sqlformat::format(&self.sql, &sqlformat::QueryParams::None, &options)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

/// Builds one statement for one dialect: the one way SQL text is produced.
///
/// It has three ways to grow a statement: [`push`](SqlBuilder::push) a keyword or
/// punctuation (only `&'static str`, so no runtime data can become SQL text),
/// [`push_ident`](SqlBuilder::push_ident) a quoted identifier, and
/// [`push_bind`](SqlBuilder::push_bind) a bound value. DDL has a fourth,
/// [`push_literal`](SqlBuilder::push_literal), for column defaults, which no dialect
/// accepts as parameters. The [`Dialect`] decides quoting, placeholders and syntax.
///
/// ```
/// use rel::{Dialect, SqlBuilder, Value};
/// let mut b = SqlBuilder::new(Dialect::Postgres);
/// b.push("SELECT * FROM ");
/// b.push_ident("quote'table");
/// b.push(" WHERE ");
/// b.push_ident("a\"b");
/// b.push(" = ");
/// b.push_bind(Value::Text("x'; DROP TABLE users; --".into()));
/// let stmt = b.finish();
/// assert_eq!(stmt.sql, r#"SELECT * FROM "quote'table" WHERE "a""b" = $1"#);
/// assert_eq!(stmt.binds.len(), 1);
/// ```
#[derive(Debug)]
pub struct SqlBuilder {
    dialect: Dialect,
    sql: String,
    binds: Vec<Value>,
    aliases: usize,
    too_long_like: Option<(&'static str, usize)>,
    unbound: Option<(&'static str, &'static str, &'static str)>,
}

impl SqlBuilder {
    /// An empty statement.
    pub fn new(dialect: Dialect) -> Self {
        SqlBuilder {
            dialect,
            sql: String::new(),
            binds: Vec::new(),
            aliases: 0,
            too_long_like: None,
            unbound: None,
        }
    }

    /// The dialect being written.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Appends SQL keywords or punctuation. Only static text can be pushed.
    pub fn push(&mut self, sql: &'static str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub fn push_ident(&mut self, ident: &str) -> &mut Self {
        self.sql.push_str(&self.dialect.quote(ident));
        self
    }

    /// Appends `a.b` with both parts quoted.
    pub fn push_qualified(&mut self, table: &str, column: &str) -> &mut Self {
        self.push_ident(table).push(".").push_ident(column)
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn push_bind(&mut self, value: Value) -> &mut Self {
        self.binds.push(value);
        self.dialect
            .syntax()
            .placeholder
            .push(&mut self.sql, self.binds.len());
        self
    }

    /// Binds NULL of `ty` where a prepared query's placeholder `name` (on `table`'s
    /// `column`) has no value, and marks the statement so that it is refused before it
    /// is sent ([`Statement::check_bound`]).
    pub(crate) fn push_unbound(
        &mut self,
        table: &'static str,
        column: &'static str,
        name: &'static str,
        ty: SqlType,
    ) -> &mut Self {
        self.unbound.get_or_insert((table, column, name));
        self.push_bind(Value::Null(ty))
    }

    /// Appends a literal for DDL (column defaults), escaped for the dialect.
    pub fn push_literal(&mut self, literal: &Literal) -> &mut Self {
        match literal {
            Literal::Int(i) => self.sql.push_str(&i.to_string()),
            Literal::Float(f) => {
                // The derive only produces float literals that parse; re-print for safety.
                let parsed: f64 = f.parse().unwrap_or(0.0);
                self.sql.push_str(&format!("{parsed:?}"));
            }
            Literal::Bool(b) => self.sql.push_str(self.dialect.syntax().bool_literal(*b)),
            Literal::Str(s) => {
                self.push_text_literal(s);
            }
        }
        self
    }

    /// Appends a text literal, escaped for the dialect: for DDL and migration files,
    /// which have no parameters.
    pub(crate) fn push_text_literal(&mut self, text: &str) -> &mut Self {
        let backslashes = self.dialect.syntax().backslash_escapes;
        self.sql.push('\'');
        for c in text.chars() {
            match c {
                '\'' => self.sql.push_str("''"),
                '\\' if backslashes => self.sql.push_str("\\\\"),
                c => self.sql.push(c),
            }
        }
        self.sql.push('\'');
        self
    }

    /// Appends items separated by `sep`, each written by `f`.
    pub fn push_list<I: IntoIterator>(
        &mut self,
        items: I,
        sep: &'static str,
        mut f: impl FnMut(&mut Self, I::Item),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            f(self, item);
        }
        self
    }

    /// Appends a comma-separated list of quoted identifiers.
    pub fn push_idents(&mut self, idents: &[&str]) -> &mut Self {
        self.push_list(idents, ", ", |b, i| {
            b.push_ident(i);
        })
    }

    /// Appends `"name" AS "alias"`: a table under an alias.
    pub(crate) fn push_aliased(&mut self, name: &str, alias: &str) -> &mut Self {
        self.push_ident(name).push(" AS ").push_ident(alias)
    }

    /// Appends ` FROM "table" AS "alias"`.
    pub(crate) fn push_from(&mut self, table: &str, alias: &str) -> &mut Self {
        self.push(" FROM ").push_aliased(table, alias)
    }

    /// Appends ` AS "name"`: the name of a column or a derived table.
    pub(crate) fn push_as(&mut self, name: &str) -> &mut Self {
        self.push(" AS ").push_ident(name)
    }

    /// Appends `alias.a`, or `(alias.a, alias.b)` for several columns.
    pub(crate) fn push_tuple(&mut self, alias: &str, columns: &[&str]) -> &mut Self {
        self.push_tuple_of(columns.len(), |b, i| {
            b.push_qualified(alias, columns[i]);
        })
    }

    /// Appends `width` items written by `item`, in parentheses when there are several.
    pub(crate) fn push_tuple_of(
        &mut self,
        width: usize,
        mut item: impl FnMut(&mut Self, usize),
    ) -> &mut Self {
        if width > 1 {
            self.push("(");
        }
        self.push_list(0..width, ", ", |b, i| item(b, i));
        if width > 1 {
            self.push(")");
        }
        self
    }

    /// Appends ` IN (?, ..)`, or ` IN ((?, ?), ..)` for keys of several values: each
    /// key's values bound.
    pub fn push_in_keys<'k>(&mut self, keys: impl IntoIterator<Item = &'k [Value]>) -> &mut Self {
        self.push(" IN (");
        self.push_list(keys, ", ", |b, key| {
            b.push_tuple_of(key.len(), |b, i| {
                b.push_bind(key[i].clone());
            });
        });
        self.push(")")
    }

    /// Appends `SELECT COUNT(*) FROM (SELECT 1 AS "one" FROM "table" AS "alias" WHERE
    /// <predicate><lock>) AS "name"`: how many rows the predicate picks, locked by
    /// `lock` where one is given (a count over a derived table, because a locking
    /// clause cannot follow an aggregate).
    pub(crate) fn push_count_of(
        &mut self,
        table: &str,
        alias: &str,
        lock: Option<&'static str>,
        name: &str,
        predicate: impl FnOnce(&mut Self),
    ) -> &mut Self {
        self.push("SELECT COUNT(*) FROM (SELECT 1")
            .push_as("one")
            .push_from(table, alias)
            .push(" WHERE ");
        predicate(self);
        if let Some(lock) = lock {
            self.push(lock);
        }
        self.push(")").push_as(name)
    }

    /// Appends the dialect's clause that keeps one row: ` LIMIT 1`.
    pub(crate) fn push_limit_one(&mut self) -> &mut Self {
        let limit = self.dialect.syntax().limit_one;
        self.push(limit)
    }

    /// A table alias not yet used in this statement: `t1`, `t2`, ... (`t0` is the root's).
    pub fn fresh_alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// How many values are bound so far.
    pub fn bind_count(&self) -> usize {
        self.binds.len()
    }

    /// Binds a LIKE pattern on `column`, noting it where the dialect takes no pattern
    /// that long (refused by `Statement::check_binds`, before it is sent).
    pub(crate) fn push_like_pattern(&mut self, column: &'static str, pattern: String) -> &mut Self {
        let len = pattern.len();
        if self
            .dialect
            .syntax()
            .like_pattern_limit
            .is_some_and(|max| len > max)
        {
            self.too_long_like = Some((column, len));
        }
        self.push_bind(Value::Text(pattern))
    }

    /// The finished statement.
    pub fn finish(self) -> Statement {
        Statement {
            sql: self.sql,
            binds: self.binds,
            too_long_like: self.too_long_like,
            unbound: self.unbound,
        }
    }
}
