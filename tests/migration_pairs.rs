//! Random pairs of schemas (S1, S2), on every backend: S1 is created and filled with
//! rows, the migration to S2 is pushed (destructive steps allowed), and then
//!
//! - the diff against S2 is empty;
//! - every table S2 keeps (by name, or by `renamed_from`) still has its rows;
//! - the migration files (empty → S1, S1 → S2) replayed by sqlx's `Migrator` on an
//!   empty database give a schema with no drift against S2.
//!
//! The schemas are built at run time (`Schema::table_meta`), from a seeded generator:
//! a failure prints its case number, and `REL_PAIRS_FROM=<n>` starts there.
//! `REL_PAIRS=<n>` sets how many pairs run (300 by default).

mod common;
common::report_backends!();

use rel::__private::{
    Action, ColumnMeta, Constraint, Literal, RelationKind, RelationMeta, SqlType, TableMeta,
};
use rel::prelude::*;
use std::sync::Mutex;

/// The tables of the schema being worked on: what the relations' `target` functions
/// return (a function pointer cannot capture, so they read this).
static CURRENT: Mutex<Vec<&'static TableMeta>> = Mutex::new(Vec::new());

fn target(i: usize) -> &'static TableMeta {
    CURRENT.lock().unwrap()[i]
}
fn t0() -> &'static TableMeta {
    target(0)
}
fn t1() -> &'static TableMeta {
    target(1)
}
fn t2() -> &'static TableMeta {
    target(2)
}
fn t3() -> &'static TableMeta {
    target(3)
}
fn t4() -> &'static TableMeta {
    target(4)
}
const TARGETS: [fn() -> &'static TableMeta; 5] = [t0, t1, t2, t3, t4];

/// xorshift64*: a small seeded generator, so that a case is reproduced by its number.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Debug)]
struct Col {
    name: String,
    renamed_from: Option<String>,
    ty: SqlType,
    nullable: bool,
    default: Option<Literal>,
    unique: bool,
    index: bool,
}

#[derive(Clone, Debug)]
struct Key {
    column: String,
    parent: String,
    on_delete: Option<Action>,
}

#[derive(Clone, Debug)]
struct Tab {
    name: String,
    renamed_from: Option<String>,
    auto_increment: bool,
    cols: Vec<Col>,
    keys: Vec<Key>,
}

const TYPES: [SqlType; 6] = [
    SqlType::SmallInt,
    SqlType::Integer,
    SqlType::BigInt,
    SqlType::Double,
    SqlType::Boolean,
    SqlType::Text,
];

fn default_for(rng: &mut Rng, ty: SqlType) -> Option<Literal> {
    if !rng.chance(40) {
        return None;
    }
    Some(match ty {
        SqlType::Double => Literal::Float("2.5"),
        SqlType::Boolean => Literal::Bool(rng.chance(50)),
        SqlType::Text => Literal::Str(["x", "it's", "a\\b"][rng.below(3)]),
        _ => Literal::Int(rng.below(100) as i64 - 50),
    })
}

fn column(rng: &mut Rng, name: String) -> Col {
    let ty = TYPES[rng.below(TYPES.len())];
    let keyable = matches!(ty, SqlType::BigInt | SqlType::Integer | SqlType::Text);
    let unique = keyable && rng.chance(15);
    Col {
        name,
        renamed_from: None,
        ty,
        nullable: rng.chance(40),
        default: default_for(rng, ty),
        unique,
        index: !unique && rng.chance(20),
    }
}

fn schema1(rng: &mut Rng) -> Vec<Tab> {
    let n = 1 + rng.below(4);
    let mut tabs: Vec<Tab> = (0..n)
        .map(|i| Tab {
            name: format!("rp_t{i}"),
            renamed_from: None,
            auto_increment: rng.chance(30),
            cols: (0..1 + rng.below(4))
                .map(|c| column(rng, format!("c{c}")))
                .collect(),
            keys: Vec::new(),
        })
        .collect();
    for i in 0..n {
        if rng.chance(50) {
            let parent = tabs[rng.below(n)].name.clone();
            add_key(rng, &mut tabs[i], parent);
        }
    }
    tabs
}

fn add_key(rng: &mut Rng, tab: &mut Tab, parent: String) {
    let mut n = tab.keys.len();
    while tab.cols.iter().any(|c| c.name == format!("k_{parent}_{n}")) {
        n += 1;
    }
    let column = format!("k_{parent}_{n}");
    let nullable = rng.chance(60);
    let on_delete = match rng.below(4) {
        0 => None,
        1 => Some(Action::Cascade),
        2 if nullable => Some(Action::SetNull),
        _ => Some(Action::Restrict),
    };
    tab.cols.push(Col {
        name: column.clone(),
        renamed_from: None,
        ty: SqlType::BigInt,
        nullable,
        default: None,
        unique: false,
        index: false,
    });
    tab.keys.push(Key {
        column,
        parent,
        on_delete,
    });
}

/// S2: S1 with 1 to 4 changes of the kinds a migration makes.
fn schema2(rng: &mut Rng, s1: &[Tab]) -> Vec<Tab> {
    let mut tabs = s1.to_vec();
    for _ in 0..1 + rng.below(4) {
        let t = rng.below(tabs.len());
        match rng.below(13) {
            0 if tabs.len() < 5 => {
                let name = format!("rp_n{}", rng.below(1000));
                if tabs.iter().all(|x| x.name != name) {
                    tabs.push(Tab {
                        name,
                        renamed_from: None,
                        auto_increment: false,
                        cols: vec![column(rng, "c0".into())],
                        keys: Vec::new(),
                    });
                }
            }
            1 if tabs.len() > 1 => {
                let gone = tabs.remove(t).name;
                for x in &mut tabs {
                    let keys: Vec<String> = x
                        .keys
                        .iter()
                        .filter(|k| k.parent == gone)
                        .map(|k| k.column.clone())
                        .collect();
                    x.keys.retain(|k| k.parent != gone);
                    x.cols.retain(|c| !keys.contains(&c.name));
                }
            }
            2 => {
                let name = format!("a{}", rng.below(1000));
                if tabs[t].cols.iter().all(|c| c.name != name) {
                    let mut c = column(rng, name);
                    // A new required column needs a default to fill the rows, and a
                    // column that all rows fill with one default cannot be unique.
                    if !c.nullable && c.default.is_none() {
                        c.nullable = true;
                    }
                    if c.default.is_some() {
                        c.unique = false;
                    }
                    tabs[t].cols.push(c);
                }
            }
            3 => {
                let plain: Vec<usize> = (0..tabs[t].cols.len())
                    .filter(|&i| {
                        !tabs[t]
                            .keys
                            .iter()
                            .any(|k| k.column == tabs[t].cols[i].name)
                    })
                    .collect();
                if plain.len() > 1 {
                    tabs[t].cols.remove(plain[rng.below(plain.len())]);
                }
            }
            4 => {
                let c = rng.below(tabs[t].cols.len());
                // `set_null` needs a nullable key (the derive refuses it otherwise).
                let set_null = tabs[t].keys.iter().any(|k| {
                    k.column == tabs[t].cols[c].name && k.on_delete == Some(Action::SetNull)
                });
                if !set_null {
                    tabs[t].cols[c].nullable = !tabs[t].cols[c].nullable;
                }
            }
            5 => {
                let c = rng.below(tabs[t].cols.len());
                let is_key = tabs[t]
                    .keys
                    .iter()
                    .any(|k| k.column == tabs[t].cols[c].name);
                let col = &mut tabs[t].cols[c];
                if !is_key {
                    // Widen or narrow an integer; the rows' values fit both.
                    col.ty = match col.ty {
                        SqlType::SmallInt => SqlType::Integer,
                        SqlType::Integer => SqlType::BigInt,
                        SqlType::BigInt => SqlType::Integer,
                        other => other,
                    };
                }
            }
            6 => {
                let c = rng.below(tabs[t].cols.len());
                let ty = tabs[t].cols[c].ty;
                if !tabs[t]
                    .keys
                    .iter()
                    .any(|k| k.column == tabs[t].cols[c].name)
                {
                    tabs[t].cols[c].default = default_for(rng, ty);
                }
            }
            7 => {
                let c = rng.below(tabs[t].cols.len());
                let col = &mut tabs[t].cols[c];
                if matches!(col.ty, SqlType::BigInt | SqlType::Integer | SqlType::Text) {
                    col.unique = !col.unique;
                    col.index = false;
                }
            }
            8 => {
                let c = rng.below(tabs[t].cols.len());
                if !tabs[t].cols[c].unique {
                    tabs[t].cols[c].index = !tabs[t].cols[c].index;
                }
            }
            9 => {
                let parent = tabs[rng.below(tabs.len())].name.clone();
                add_key(rng, &mut tabs[t], parent);
                // A new key column on a table with rows takes NULL (it has no default).
                if let Some(c) = tabs[t].cols.last_mut() {
                    c.nullable = true;
                }
            }
            10 if !tabs[t].keys.is_empty() => {
                let i = rng.below(tabs[t].keys.len());
                let k = tabs[t].keys.remove(i);
                // The column stays, without its key.
                let _ = k;
            }
            11 => {
                let c = rng.below(tabs[t].cols.len());
                let is_key = tabs[t]
                    .keys
                    .iter()
                    .any(|k| k.column == tabs[t].cols[c].name);
                let col = &mut tabs[t].cols[c];
                if !is_key && col.renamed_from.is_none() {
                    let new = format!("{}_r", col.name);
                    col.renamed_from = Some(std::mem::replace(&mut col.name, new));
                }
            }
            12 if tabs[t].renamed_from.is_none() => {
                let old = tabs[t].name.clone();
                let new = format!("{old}_r");
                tabs[t].renamed_from = Some(old.clone());
                tabs[t].name = new.clone();
                for x in &mut tabs {
                    for k in &mut x.keys {
                        if k.parent == old {
                            k.parent = new.clone();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    tabs
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The metadata of `tabs`, installed as the current schema, and a `Schema` of it.
fn install(tabs: &[Tab], mode: RelationMode) -> Schema {
    let metas: Vec<&'static TableMeta> = tabs
        .iter()
        .map(|t| {
            let mut columns = vec![ColumnMeta {
                field: "id",
                name: "id",
                ty: SqlType::BigInt,
                nullable: false,
                auto_increment: t.auto_increment,
                unique: false,
                index: false,
                default: None,
                renamed_from: None,
                sql_type: None,
            }];
            columns.extend(t.cols.iter().map(|c| ColumnMeta {
                field: leak_str(&c.name),
                name: leak_str(&c.name),
                ty: c.ty,
                nullable: c.nullable,
                auto_increment: false,
                unique: c.unique,
                index: c.index,
                default: c.default,
                renamed_from: c.renamed_from.as_deref().map(leak_str),
                sql_type: None,
            }));
            let relations: Vec<RelationMeta> = t
                .keys
                .iter()
                .map(|k| {
                    let i = tabs.iter().position(|p| p.name == k.parent).unwrap();
                    RelationMeta {
                        name: leak_str(&k.column),
                        kind: RelationKind::One,
                        alias: None,
                        target_name: leak_str(&k.parent),
                        target: TARGETS[i],
                        from: leak(vec![leak_str(&k.column)]).as_slice(),
                        to: &["id"],
                        through: None,
                        holds_key: true,
                        optional: true,
                        on_delete: k.on_delete,
                        on_update: None,
                        constraint: Constraint::ColumnKey,
                    }
                })
                .collect();
            leak(TableMeta {
                name: leak_str(&t.name),
                type_name: leak_str(&format!("pairs::{}", t.name)),
                renamed_from: t.renamed_from.as_deref().map(leak_str),
                columns: leak(columns).as_slice(),
                primary_key: &["id"],
                relations: leak(relations).as_slice(),
            })
        })
        .collect();
    *CURRENT.lock().unwrap() = metas.clone();
    metas.iter().fold(Schema::new(mode), |s, m| s.table_meta(m))
}

/// Three rows in every table: values every column type holds, unique per row, keys
/// that refer to rows that exist (ids 1 to 3 in every table).
fn insert_rows(tabs: &[Tab], d: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    for t in tabs {
        for row in 1..=3i64 {
            let mut names = vec![d.quote("id")];
            let mut values = vec![row.to_string()];
            for c in &t.cols {
                names.push(d.quote(&c.name));
                values.push(match c.ty {
                    SqlType::Text => format!("'v{row}'"),
                    SqlType::Boolean => if row % 2 == 0 { "TRUE" } else { "FALSE" }.to_string(),
                    SqlType::Double => format!("{row}.5"),
                    _ => row.to_string(),
                });
            }
            out.push(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                d.quote(&t.name),
                names.join(", "),
                values.join(", ")
            ));
        }
    }
    out
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {}",
        db.dialect().quote(table)
    ));
    if let Some(pool) = db.sqlite_pool() {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    } else {
        sqlx::query_scalar(sql)
            .fetch_one(db.mysql_pool().unwrap())
            .await
            .unwrap()
    }
}

/// Drops every table of the test's namespace (any case's leftovers included), in one
/// script on one connection, with foreign keys off where that is a session setting.
async fn wipe(db: &Db) {
    let d = db.dialect();
    // Whatever the catalog has: a diff against the empty schema lists it.
    let steps = Schema::new(RelationMode::ForeignKeys)
        .diff(db)
        .await
        .unwrap();
    let mut tables: Vec<String> = steps
        .into_iter()
        .filter_map(|s| match s {
            rel::Step::DropTable { table } => Some(table),
            _ => None,
        })
        .collect();
    tables.push("_sqlx_migrations".into());
    let drops: Vec<String> = tables
        .iter()
        .map(|t| {
            let cascade = if d == Dialect::Postgres {
                " CASCADE"
            } else {
                ""
            };
            format!("DROP TABLE IF EXISTS {}{cascade};", d.quote(t))
        })
        .collect();
    let script = match d {
        Dialect::Sqlite => format!(
            "PRAGMA foreign_keys = OFF; {} PRAGMA foreign_keys = ON;",
            drops.join(" ")
        ),
        Dialect::Postgres => drops.join(" "),
        _ => format!(
            "SET FOREIGN_KEY_CHECKS = 0; {} SET FOREIGN_KEY_CHECKS = 1;",
            drops.join(" ")
        ),
    };
    common::execute(db, script).await;
}

#[tokio::test]
async fn random_pairs_migrate_without_drift_or_lost_rows() {
    let pairs: u64 = std::env::var("REL_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let from: u64 = std::env::var("REL_PAIRS_FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let dbs = common::backends("migration_pairs").await;
    let replay = common::backends("migration_pairs_replay").await;
    for case in from..from + pairs {
        let mut rng = Rng::new(case);
        let s1 = schema1(&mut rng);
        let s2 = schema2(&mut rng, &s1);
        let mode = if rng.chance(25) {
            RelationMode::Emulated
        } else {
            RelationMode::ForeignKeys
        };
        for (db, fresh) in dbs.iter().zip(&replay) {
            let d = db.dialect();
            let ctx = || format!("case {case} on {d:?} ({mode:?})\nS1 {s1:#?}\nS2 {s2:#?}");
            wipe(db).await;
            wipe(fresh).await;
            let schema1 = install(&s1, mode);
            let m1 = schema1
                .migration(db)
                .await
                .unwrap_or_else(|e| panic!("{e}\n{}", ctx()));
            schema1
                .push(db, Destructive::Refuse)
                .await
                .unwrap_or_else(|e| panic!("push S1: {e}\n{}", ctx()));
            // Every table has ids 1 to 3 once all are in, so every key refers to a row;
            // the checks wait for that (one script, on one connection).
            let inserts = insert_rows(&s1, d).join("; ");
            let script = match d {
                Dialect::Sqlite => {
                    format!("PRAGMA foreign_keys = OFF; {inserts}; PRAGMA foreign_keys = ON")
                }
                Dialect::Postgres => format!(
                    "SET session_replication_role = replica; {inserts}; SET session_replication_role = DEFAULT"
                ),
                _ => format!("SET FOREIGN_KEY_CHECKS = 0; {inserts}; SET FOREIGN_KEY_CHECKS = 1"),
            };
            common::execute(db, script).await;
            let schema2 = install(&s2, mode);
            let m2 = schema2
                .migration(db)
                .await
                .unwrap_or_else(|e| panic!("{e}\n{}", ctx()));
            schema2
                .push(db, Destructive::Allow)
                .await
                .unwrap_or_else(|e| panic!("push S2: {e}\n{}\n{}", m2.sql(), ctx()));
            let drift = schema2.diff(db).await.unwrap();
            assert!(
                drift.is_empty(),
                "drift after the push: {:?}\n{}\n{}",
                drift.iter().map(ToString::to_string).collect::<Vec<_>>(),
                m2.sql(),
                ctx()
            );
            for t in &s2 {
                let before = t.renamed_from.as_deref().unwrap_or(&t.name);
                if s1.iter().any(|o| o.name == before) {
                    assert_eq!(
                        count(db, &t.name).await,
                        3,
                        "rows of {}\n{}\n{}",
                        t.name,
                        m2.sql(),
                        ctx()
                    );
                }
            }
            // The two files, replayed by sqlx on an empty database.
            let dir =
                std::env::temp_dir().join(format!("rel_pairs_{case}_{d:?}_{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("1_s1.sql"), m1.sql()).unwrap();
            if !m2.is_empty() {
                std::fs::write(dir.join("2_s2.sql"), m2.sql()).unwrap();
            }
            let migrator = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
            let ran = if let Some(pool) = fresh.sqlite_pool() {
                migrator.run(pool).await
            } else if let Some(pool) = fresh.postgres_pool() {
                migrator.run(pool).await
            } else {
                migrator.run(fresh.mysql_pool().unwrap()).await
            };
            ran.unwrap_or_else(|e| panic!("replay: {e}\n{}\n{}", m2.sql(), ctx()));
            let drift = schema2.diff(fresh).await.unwrap();
            assert!(
                drift.is_empty(),
                "replayed files drift: {:?}\n{}",
                drift.iter().map(ToString::to_string).collect::<Vec<_>>(),
                ctx()
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    for db in dbs.iter().chain(&replay) {
        wipe(db).await;
    }
}
