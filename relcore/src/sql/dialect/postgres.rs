//! PostgreSQL 13 or later.

use super::parts::{
    Catalog, Ddl, Errors, JsonCell, JsonCells, ListParameter, Lists, Missing, Parts, Replication,
    Server, between, unqualified,
};
use super::syntax::{Placeholder, Syntax};
use crate::model::value::{SqlType, Value};

/// PostgreSQL: `$n` placeholders, array parameters, `json_agg`, native types.
pub const SYNTAX: Syntax = Syntax {
    placeholder: Placeholder::Numbered,
    bool_literals: ("TRUE", "FALSE"),
    offset_alone: true,
    // A key share lock: it blocks a delete or a key change of the row (which take
    // `FOR UPDATE`), not an update of its other columns.
    lock_for_share: Some(" FOR KEY SHARE"),
    // One array parameter beats a long IN list here.
    binds_key_arrays: true,
    join_for_one_row: true,
    // The root reads text; nested levels stay `json` inside their parents.
    json_root_cast: Some("TEXT"),
    stores_nul: false,
    ..Syntax::standard(
        "PostgreSQL",
        "postgres",
        &["postgres", "postgresql"],
        "ALL",
        "json_build_array(",
        ("COALESCE(json_agg(", "), '[]'::json)"),
    )
};

/// PostgreSQL's behaviour.
pub const PARTS: Parts = Parts {
    syntax: SYNTAX,
    ddl: &Postgres,
    json: &Postgres,
    lists: &Postgres,
    errors: &Postgres,
    server: &Postgres,
    catalog: CATALOG,
    replication: Some(Replication {
        form: "lsn",
        // The insert position, not the write position: with `synchronous_commit =
        // off` a commit returns before its record is written, and is past the latter.
        // At a page's start the insert position is past the page's 24-byte header,
        // where a replica that replayed every record stops before it: that case is
        // taken back to the boundary, in arithmetic PostgreSQL 13 has (no `pg_lsn -
        // numeric` before 14).
        written: "SELECT to_hex(div(a.n, 4294967296)::bigint) || '/' || \
                  to_hex(mod(a.n, 4294967296)::bigint) \
                  FROM (SELECT w.n - CASE WHEN mod(w.n, current_setting('wal_block_size')::numeric) = 24 \
                  THEN 24 ELSE 0 END AS n \
                  FROM (SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS n) AS w) AS a",
        replayed: "SELECT pg_last_wal_replay_lsn()::text",
        // PostgreSQL 15 has no function that waits for a position.
        wait: None,
    }),
};

/// PostgreSQL's catalog, in the current schema: `pg_catalog`, whose arrays of column
/// numbers are unnested with their positions.
const CATALOG: Catalog = Catalog {
    columns: "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
              a.attnotnull::int4::int8, \
              CASE WHEN pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%' THEN NULL \
              ELSE pg_get_expr(ad.adbin, ad.adrelid) END, \
              (a.attidentity::text <> '' \
              OR coalesce(pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%', false))::int4::int8 \
              FROM pg_attribute a \
              JOIN pg_class c ON c.oid = a.attrelid \
              JOIN pg_namespace n ON n.oid = c.relnamespace \
              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
              WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
              AND a.attnum > 0 AND NOT a.attisdropped \
              ORDER BY c.relname, a.attnum",
    keys: "SELECT t.relname::text, i.relname::text, ix.indisunique::int4::int8, \
           ix.indisprimary::int4::int8, k.ord, a.attname::text \
           FROM pg_index ix \
           JOIN pg_class t ON t.oid = ix.indrelid \
           JOIN pg_class i ON i.oid = ix.indexrelid \
           JOIN pg_namespace n ON n.oid = t.relnamespace \
           CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
           WHERE n.nspname = current_schema() \
           ORDER BY t.relname, i.relname, k.ord",
    foreign_keys: "SELECT t.relname::text, con.conname::text, con.conname::text, p.relname::text, \
                   CASE con.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' \
                   WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END, \
                   CASE con.confupdtype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' \
                   WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END, \
                   k.ord, a.attname::text, fa.attname::text \
                   FROM pg_constraint con \
                   JOIN pg_class t ON t.oid = con.conrelid \
                   JOIN pg_class p ON p.oid = con.confrelid \
                   JOIN pg_namespace n ON n.oid = t.relnamespace \
                   CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY k(col, fcol, ord) \
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.col \
                   JOIN pg_attribute fa ON fa.attrelid = p.oid AND fa.attnum = k.fcol \
                   WHERE con.contype = 'f' AND n.nspname = current_schema() \
                   ORDER BY t.relname, con.conname, k.ord",
};

/// PostgreSQL's parts.
pub struct Postgres;

impl Ddl for Postgres {
    /// `int4` is `integer`, `decimal(10,2)` is `numeric(10,2)`, `timestamptz(3)` is
    /// `timestamp(3) with time zone`: as `information_schema` spells them.
    fn canonical_type(&self, mut ty: String) -> String {
        let alias = match ty.as_str() {
            "int2" | "smallserial" => "smallint",
            "int" | "int4" | "serial" => "integer",
            "int8" | "bigserial" => "bigint",
            "float4" => "real",
            "float8" => "double precision",
            "bool" => "boolean",
            "timestamp" => "timestamp without time zone",
            "timestamptz" => "timestamp with time zone",
            "decimal" => "numeric",
            _ => "",
        };
        if !alias.is_empty() {
            ty = alias.to_owned();
        }
        if let Some(rest) = ty.strip_prefix("varchar") {
            ty = format!("character varying{rest}");
        }
        // What `#[column(sql_type)]` may write as the catalog does not.
        if let Some(rest) = ty.strip_prefix("decimal(") {
            ty = format!("numeric({rest}");
        } else if let Some(rest) = ty.strip_prefix("char(") {
            ty = format!("character({rest}");
        } else if ty == "char" || ty == "character" {
            ty = "character(1)".to_owned();
        }
        if let Some(digits) = ty
            .strip_prefix("numeric(")
            .and_then(|r| r.strip_suffix(')'))
            && !digits.contains(',')
        {
            ty = format!("numeric({digits},0)");
        }
        for (short, zone) in [("timetz(", "with"), ("time(", "without")] {
            if let Some(digits) = ty.strip_prefix(short).and_then(|r| r.strip_suffix(')')) {
                ty = format!("time({digits}) {zone} time zone");
            }
        }
        for (short, zone) in [("timestamptz(", "with"), ("timestamp(", "without")] {
            if let Some(digits) = ty.strip_prefix(short).and_then(|r| r.strip_suffix(')')) {
                ty = format!("timestamp({digits}) {zone} time zone");
            }
        }
        ty
    }

    /// A UUID is kept as `char(36)` text.
    fn pulled_type(&self, _base: &str, ty: &str) -> Option<&'static str> {
        (ty == "char(36)").then_some("uuid::Uuid")
    }

    fn type_name(&self, ty: SqlType, _keyed: bool) -> &'static str {
        use SqlType as T;
        match ty {
            T::SmallInt => "SMALLINT",
            T::Integer => "INTEGER",
            T::BigInt => "BIGINT",
            T::Real => "REAL",
            T::Double => "DOUBLE PRECISION",
            T::Boolean => "BOOLEAN",
            T::Text => "TEXT",
            T::Blob => "BYTEA",
            T::Date => "DATE",
            T::DateTime => "TIMESTAMP",
            T::TimestampTz => "TIMESTAMPTZ",
            T::Uuid => "UUID",
            T::Json => "JSONB",
            T::Decimal => "NUMERIC",
        }
    }
    fn identity_column(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::SmallInt => "SMALLINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            SqlType::Integer => "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            _ => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        }
    }
}

impl JsonCells for Postgres {
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Blob => JsonCell::Hex("encode(", ", 'hex')"),
            SqlType::Decimal | SqlType::Json => JsonCell::Text("TEXT"),
            _ => JsonCell::Plain,
        }
    }
}

impl Lists for Postgres {
    /// `= ANY($1)` / `<> ALL($1)` with one array of integers, text or UUIDs.
    fn list_parameter(
        &self,
        ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        matches!(
            ty,
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt | SqlType::Text | SqlType::Uuid
        )
        .then(|| ListParameter {
            open: if negated { " <> ALL(" } else { " = ANY(" },
            value: Value::Array(ty, values.to_vec()),
            close: ")",
        })
    }
}

impl Errors for Postgres {
    /// SQLSTATE 42P01 (`relation "users" does not exist`) and 42703 (`column t0.name
    /// does not exist`, or `column "name" of relation "users" does not exist`).
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing> {
        let message = error.message();
        match error.code().as_deref() {
            Some("42P01") => Some(Missing::Table(
                between(message, "relation", "\"", "\"")?.to_owned(),
            )),
            Some("42703") => {
                let column = between(message, "column", "\"", "\"").or_else(|| {
                    message
                        .strip_prefix("column ")?
                        .strip_suffix(" does not exist")
                })?;
                Some(Missing::Column {
                    table: between(message, "of relation", "\"", "\"").map(str::to_owned),
                    column: unqualified(column).to_owned(),
                })
            }
            _ => None,
        }
    }
    /// SQLSTATE 23502, `null value in column "email" of relation "users" violates ..`.
    fn not_null_column(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        (error.code().as_deref() == Some("23502"))
            .then(|| between(error.message(), "column", "\"", "\"").map(str::to_owned))
            .flatten()
    }
}

/// One kind of server.
impl Server for Postgres {}
