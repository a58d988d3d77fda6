// Columns may be named after anything Rel generates or provides: the builders stay
// reachable through the trait, `<Audit as TableExt>::query()` and so on.
use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "audits")]
struct Audit {
    #[column(primary_key)]
    id: i64,
    query: String,
    update: String,
    delete: String,
    upsert: String,
    insert: String,
    get: String,
    all: String,
    count: String,
    filter: String,
    with: String,
    new: String,
    name: String,
    meta: String,
    columns: String,
    key: String,
    values: String,
    decode: String,
    to_sql: String,
}

fn main() {
    let sql = <Audit as TableExt>::query()
        .filter(Audit::query.eq("q").and(Audit::update.eq("u")))
        .to_sql(Dialect::Sqlite)
        .sql;
    assert!(sql.contains(r#""t0"."query" = ?"#), "{sql}");
    let update = <Audit as TableExt>::update()
        .set(Audit::delete, "d")
        .filter(Audit::upsert.eq("x"))
        .to_sql(Dialect::Postgres)
        .sql;
    assert_eq!(
        update,
        r#"UPDATE "audits" SET "delete" = $1 WHERE "audits"."upsert" = $2"#
    );
    let delete = <Audit as TableExt>::delete()
        .filter(Audit::count.eq("c"))
        .to_sql(Dialect::Sqlite)
        .sql;
    assert!(delete.starts_with(r#"DELETE FROM "audits""#), "{delete}");
    assert_eq!(<Audit as Table>::NAME, "audits");
    assert_eq!(Audit::to_sql.name(), "to_sql");
}
