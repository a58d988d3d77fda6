//! Upsert: insert a row, or on a conflict update the row it conflicts with.

use super::emulate;
use super::enforcement::Enforcement;
use super::insert::{decode_key, insert_columns, key_types, rows_error, storable};
use crate::model::error::{Error, Result};
use crate::model::table::Table;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::column::Column;
use crate::sql::dialect::{Dialect, UpsertClause};
use crate::sql::exec::Executor;

/// An insert of `row` that, on a conflict with the primary key or a named unique
/// column set, updates the existing row instead; it returns the row's key either way.
///
/// Start one with `TableExt::upsert(&row)` (in the prelude), or call `Db::upsert`.
/// By default the conflict is on the primary key and every other column is updated;
/// [`on_conflict`](Upsert::on_conflict) names unique columns instead, and
/// [`update`](Upsert::update) the columns to update. PostgreSQL and SQLite write
/// `ON CONFLICT (..) DO UPDATE`; MySQL/MariaDB write `ON DUPLICATE KEY UPDATE`, which
/// fires on a conflict with any unique key of the table.
///
/// The conflict target must be a key: the primary key or one unique column; any other
/// is [`Error::ConflictTarget`] before anything is sent. A generated
/// (`auto_increment`) key of 0 means "generate one", as for an insert: the upsert
/// inserts the row with a new key, on every backend.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct User {
///     #[column(primary_key, auto_increment)]
///     id: i64,
///     #[column(unique)]
///     email: String,
///     visits: i32,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
/// let ada = User { id: 0, email: "ada@example.com".into(), visits: 1 };
/// let id = User::upsert(&ada).on_conflict(User::email).run(&db).await?;
/// let again = User { visits: 2, ..ada };
/// assert_eq!(User::upsert(&again).on_conflict(User::email).run(&db).await?, id);
/// assert_eq!(db.get::<User>(&id).await?.unwrap().visits, 2);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Upsert<'r, T> {
    row: &'r T,
    conflict: Vec<&'static str>,
    update: Vec<&'static str>,
    named_conflict: bool,
    named_update: bool,
}

impl<'r, T: Table> Upsert<'r, T> {
    /// An upsert of `row` on its primary key, updating every other column.
    pub fn new(row: &'r T) -> Self {
        Upsert {
            row,
            conflict: T::META.primary_key.to_vec(),
            update: Vec::new(),
            named_conflict: false,
            named_update: false,
        }
    }

    /// Conflicts on `column` (a unique column, or with further calls a unique set)
    /// instead of the primary key.
    pub fn on_conflict<V>(mut self, column: Column<T, V>) -> Self {
        if !self.named_conflict {
            self.conflict.clear();
            self.named_conflict = true;
        }
        self.conflict.push(column.name());
        self
    }

    /// Updates only the columns named this way (each call adds one) on a conflict.
    pub fn update<V>(mut self, column: Column<T, V>) -> Self {
        self.named_update = true;
        if !self.update.contains(&column.name()) {
            self.update.push(column.name());
        }
        self
    }

    /// The columns a conflict updates: those named, else every column but the key,
    /// the conflict's and a generated one; never none.
    fn updated(&self) -> Vec<&'static str> {
        let table = T::META;
        let columns: Vec<&'static str> = if self.named_update {
            self.update.clone()
        } else {
            let generated = table.generated_key().map(|c| c.name);
            table
                .columns
                .iter()
                .map(|c| c.name)
                .filter(|c| {
                    !table.primary_key.contains(c)
                        && !self.conflict.contains(c)
                        && Some(*c) != generated
                })
                .collect()
        };
        if columns.is_empty() {
            return vec![self.conflict[0]];
        }
        columns
    }

    /// Whether the upsert is on a generated key whose value is 0: "generate one", as
    /// for `insert`, on every backend.
    fn new_generated_key(&self) -> bool {
        let table = T::META;
        let Some(key) = table.generated_key() else {
            return false;
        };
        let at = table.columns.iter().position(|c| c.name == key.name);
        let zero = at.is_some_and(|i| {
            matches!(
                self.row.column_value(i),
                Some(Value::I16(0) | Value::I32(0) | Value::I64(0))
            )
        });
        zero && self.conflict.as_slice() == table.primary_key
    }

    /// The conflict target is the primary key (its columns in any order) or one unique
    /// column: what every backend can conflict on, the same way.
    fn conflict_is_a_key(&self) -> Result<()> {
        let table = T::META;
        let mut named = self.conflict.clone();
        named.sort_unstable();
        named.dedup();
        let mut primary = table.primary_key.to_vec();
        primary.sort_unstable();
        let unique = || {
            let [column] = named.as_slice() else {
                return false;
            };
            table.column(column).is_some_and(|c| c.unique)
        };
        if named == primary || unique() {
            return Ok(());
        }
        Err(Error::ConflictTarget {
            table: table.name,
            columns: self.conflict.clone(),
        })
    }

    /// The statement on `dialect`, without running it (an upsert whose conflict target
    /// is not a key renders, and [`run`](Upsert::run) refuses it before sending).
    pub fn to_sql(&self, dialect: Dialect) -> Statement {
        self.statement(dialect).0
    }

    fn statement(&self, dialect: Dialect) -> (Statement, Vec<Value>) {
        let table = T::META;
        let values = self.row.values();
        // A conflict on the primary key needs the key, generated or not; otherwise a
        // generated key is left to the database, as an insert does.
        let cols: Vec<usize> = if self.conflict.iter().any(|c| table.primary_key.contains(c)) {
            (0..table.columns.len()).collect()
        } else {
            insert_columns(table)
        };
        let mut b = SqlBuilder::new(dialect);
        b.push("INSERT INTO ").push_ident(table.name).push(" (");
        b.push_list(&cols, ", ", |b, &i| {
            b.push_ident(table.columns[i].name);
        });
        b.push(") VALUES (");
        b.push_list(&cols, ", ", |b, &i| {
            b.push_bind(values[i].clone());
        });
        b.push(")");
        let generated = table.generated_key().map(|c| c.name);
        let clause = dialect.syntax().upsert;
        write_clause(&mut b, clause, &self.conflict, &self.updated(), generated);
        if dialect.syntax().returning {
            b.push(" RETURNING ").push_idents(table.primary_key);
        }
        (b.finish(), values)
    }

    /// Runs the upsert on a connection already held; the row's key.
    #[doc(hidden)]
    pub async fn run_on(
        &self,
        run: &mut dyn Executor,
        enforcement: &Enforcement,
    ) -> Result<T::Key> {
        let dialect = run.dialect();
        let table = T::META;
        self.conflict_is_a_key()?;
        if self.new_generated_key() {
            // No row has the key 0 to conflict with: the row is new, and its key is
            // generated, as `insert` does (and as MySQL did, where SQLite and
            // PostgreSQL stored the 0).
            return super::insert::insert(run, enforcement, self.row).await;
        }
        let (stmt, values) = self.statement(dialect);
        storable(dialect, table, &values)?;
        let mut refused = None;
        if let Some(emulation) = enforcement.emulation_for(table)? {
            let updated = self.updated();
            let refers_to_it = emulation
                .graph
                .referring_to(table.name)
                .find(|fk| fk.parent_cols.iter().any(|c| updated.contains(c)));
            if let Some(fk) = refers_to_it {
                return Err(Error::Unsupported {
                    table: table.name,
                    relation: fk.relation,
                    message: "in Emulated mode an upsert cannot update a column that a \
                              relation refers to; update it with T::update() instead"
                        .into(),
                });
            }
            let rows = std::slice::from_ref(&values);
            refused = emulate::check_insert(run, emulation, table, rows).await?;
        }
        // A refusal waits until the upsert is sent (see `insert`).
        let key = self.write(run, enforcement, stmt, &values).await?;
        if let Some(refused) = refused {
            return Err(refused);
        }
        Ok(key)
    }

    /// Sends the upsert; the row's key.
    async fn write(
        &self,
        run: &mut dyn Executor,
        enforcement: &Enforcement,
        stmt: Statement,
        values: &[Value],
    ) -> Result<T::Key> {
        let dialect = run.dialect();
        let table = T::META;
        let rows = std::slice::from_ref(self.row);
        if dialect.syntax().returning {
            return match run.fetch(&stmt, &key_types(table)).await {
                Ok(mut out) => match out.pop() {
                    Some(key) => decode_key::<T>(key),
                    None => self.find_key(run, values).await,
                },
                Err(e) => Err(rows_error(run, enforcement, e, rows).await),
            };
        }
        let done = match run.execute(&stmt).await {
            Ok(done) => done,
            Err(e) => return Err(rows_error(run, enforcement, e, rows).await),
        };
        match (table.generated_key(), done.last_insert_id) {
            // `LAST_INSERT_ID(key)` on a conflict: the existing row's key.
            (Some(_), Some(id)) => {
                let id = i64::try_from(id).map_err(|_| {
                    Error::Database(sqlx::Error::Decode(
                        format!("generated key {id} of `{}` does not fit in i64", T::NAME).into(),
                    ))
                })?;
                decode_key::<T>(vec![Value::I64(id)])
            }
            _ if self.conflict.as_slice() == table.primary_key => Ok(self.row.key()),
            _ => self.find_key(run, values).await,
        }
    }

    /// The key of the row whose conflict columns hold this row's values.
    async fn find_key(&self, run: &mut dyn Executor, values: &[Value]) -> Result<T::Key> {
        let table = T::META;
        let mut b = SqlBuilder::new(run.dialect());
        b.push("SELECT ")
            .push_idents(table.primary_key)
            .push(" FROM ")
            .push_ident(table.name)
            .push(" WHERE ");
        b.push_list(&self.conflict, " AND ", |b, c| {
            let value = table
                .columns
                .iter()
                .position(|m| m.name == *c)
                .map_or(Value::Null(SqlType::Text), |i| values[i].clone());
            b.push_ident(c).push(" = ").push_bind(value);
        });
        match run.fetch(&b.finish(), &key_types(table)).await?.pop() {
            Some(key) => decode_key::<T>(key),
            None => Err(Error::Unsupported {
                table: table.name,
                relation: "",
                message: "the upsert reported no key, and no row holds its conflict columns".into(),
            }),
        }
    }
}

/// Writes what turns an INSERT into an upsert: on a conflict on `conflict`, set
/// `update` to the values the INSERT carried. `generated` is the table's
/// auto-increment key, if it has one; `update` is never empty.
fn write_clause(
    b: &mut SqlBuilder,
    clause: UpsertClause,
    conflict: &[&str],
    update: &[&str],
    generated: Option<&str>,
) {
    match clause {
        UpsertClause::OnConflict => {
            b.push(" ON CONFLICT (")
                .push_idents(conflict)
                .push(") DO UPDATE SET ");
            b.push_list(update, ", ", |b, c| {
                b.push_ident(c).push(" = ").push("excluded.").push_ident(c);
            });
        }
        UpsertClause::OnDuplicateKey => {
            b.push(" ON DUPLICATE KEY UPDATE ");
            if let Some(key) = generated {
                b.push_ident(key)
                    .push(" = LAST_INSERT_ID(")
                    .push_ident(key)
                    .push("), ");
            }
            b.push_list(update, ", ", |b, c| {
                b.push_ident(c).push(" = VALUES(").push_ident(c).push(")");
            });
        }
    }
}

impl<T> std::fmt::Debug for Upsert<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upsert")
            .field("conflict", &self.conflict)
            .field("update", &self.update)
            .finish_non_exhaustive()
    }
}
