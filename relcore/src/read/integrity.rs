//! The integrity check: the rows whose foreign key points nowhere, per relation.

use crate::model::error::Result;
use crate::model::schema::Schema;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::exec::Executor;

/// How many samples of orphan keys the check keeps per relation.
const SAMPLES: u64 = 5;

/// The rows of one relation whose key refers to no row (found by
/// `Schema::check_integrity`).
#[derive(Clone, Debug, PartialEq)]
pub struct Orphans {
    /// The table of the rows that point nowhere.
    pub table: &'static str,
    /// Its relation that holds the key, or its key columns joined with `_` where it
    /// declares none.
    pub relation: String,
    /// The table the key should refer to.
    pub referenced_table: &'static str,
    /// How many rows point nowhere.
    pub count: u64,
    /// The primary keys of a few of them.
    pub samples: Vec<Vec<Value>>,
}

/// One query per foreign key of `schema`: the relations with orphans (none when the
/// data is whole). A NULL in any key column refers to nothing and is no orphan.
pub async fn check(run: &mut dyn Executor, schema: &Schema) -> Result<Vec<Orphans>> {
    let mut found = Vec::new();
    for fk in schema.graph().keys() {
        let child = fk.child;
        let mut b = SqlBuilder::new(run.dialect());
        b.push("SELECT ");
        b.push_list(child.primary_key, ", ", |b, c| {
            b.push_qualified("c", c);
        });
        b.push(", COUNT(*) OVER ()")
            .push_from(child.name, "c")
            .push(" WHERE ");
        for c in fk.child_cols {
            b.push_qualified("c", c).push(" IS NOT NULL AND ");
        }
        b.push("NOT EXISTS (SELECT 1")
            .push_from(fk.parent.name, "p")
            .push(" WHERE ");
        b.push_list(
            fk.child_cols.iter().zip(fk.parent_cols),
            " AND ",
            |b, (c, p)| {
                b.push_qualified("p", p).push(" = ").push_qualified("c", c);
            },
        );
        b.push(") ORDER BY ");
        b.push_list(child.primary_key, ", ", |b, c| {
            b.push_qualified("c", c);
        });
        b.push(" LIMIT ").push_bind(Value::I64(SAMPLES as i64));
        let mut samples = Vec::new();
        let mut count = 0u64;
        let width = child.primary_key.len();
        let types: Vec<SqlType> = child
            .primary_key
            .iter()
            .map(|c| child.column(c).map_or(SqlType::BigInt, |m| m.ty))
            .collect();
        run.fetch_each(&b.finish(), &mut |cells: &dyn crate::model::row::Cells| {
            let key = (0..width)
                .map(|i| cells.read(i, types[i]))
                .collect::<std::result::Result<Vec<Value>, sqlx::Error>>()?;
            if let Value::I64(n) = cells.read(width, SqlType::BigInt)? {
                count = u64::try_from(n).unwrap_or(0);
            }
            samples.push(key);
            Ok(())
        })
        .await?;
        if count > 0 {
            let relation = if fk.relation.is_empty() {
                fk.child_cols.join("_")
            } else {
                fk.relation.to_owned()
            };
            found.push(Orphans {
                table: child.name,
                relation,
                referenced_table: fk.parent.name,
                count,
                samples,
            });
        }
    }
    Ok(found)
}
