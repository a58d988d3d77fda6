//! DELETE by primary key.

use super::constraint::referenced_error;
use crate::model::error::Result;
use crate::model::meta::TableMeta;
use crate::model::table::{Key, Table};
use crate::model::value::Value;
use crate::sql::builder::SqlBuilder;
use crate::sql::exec::Executor;

/// `"t"."pk1" = ? AND "t"."pk2" = ?`.
fn where_key(b: &mut SqlBuilder, table: &TableMeta, values: Vec<Value>) {
    b.push_list(
        table.primary_key.iter().zip(values),
        " AND ",
        |b, (col, v)| {
            b.push_qualified(table.name, col).push(" = ").push_bind(v);
        },
    );
}

/// Deletes the row with this primary key; whether there was one.
pub(crate) async fn delete<T: Table>(run: &mut dyn Executor, key: &T::Key) -> Result<bool> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("DELETE FROM ").push_ident(T::NAME).push(" WHERE ");
    let key = key.to_values();
    where_key(&mut b, T::META, key.clone());
    match run.execute(&b.finish()).await {
        Ok(done) => Ok(done.rows_affected > 0),
        Err(e) => Err(referenced_error(run, T::META, &key, e).await),
    }
}
