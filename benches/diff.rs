//! How long `Schema::diff` takes on a 200-table schema (five columns each, an index and a
//! foreign key to the table before), on every backend it can reach: SQLite in memory
//! always, PostgreSQL and MariaDB when `REL_POSTGRES_URL` / `REL_MYSQL_URL` are set.
//! The bar (issue 23) is under 2 s per diff on every backend.
//!
//! `cargo bench --bench diff`. Criterion prints each backend's time; the last lines
//! give the medians and their ratio to SQLite's, measured in the same run.

use criterion::Criterion;
use rel::__private::{ColumnMeta, Constraint, RelationKind, RelationMeta, SqlType, TableMeta};
use rel::{Db, RelationMode, Schema};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TABLES: usize = 200;

static METAS: OnceLock<Vec<&'static TableMeta>> = OnceLock::new();

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn metas() -> &'static [&'static TableMeta] {
    METAS.get_or_init(|| {
        let mut out: Vec<&'static TableMeta> = Vec::new();
        for i in 0..TABLES {
            let mut columns = vec![ColumnMeta {
                field: "id",
                name: "id",
                ty: SqlType::BigInt,
                nullable: false,
                auto_increment: true,
                unique: false,
                index: false,
                default: None,
                renamed_from: None,
                sql_type: None,
            }];
            for (c, ty) in [
                SqlType::Text,
                SqlType::Integer,
                SqlType::Double,
                SqlType::Boolean,
            ]
            .into_iter()
            .enumerate()
            {
                columns.push(ColumnMeta {
                    field: leak_str(format!("c{c}")),
                    name: leak_str(format!("c{c}")),
                    ty,
                    nullable: c % 2 == 0,
                    auto_increment: false,
                    unique: false,
                    index: c == 1,
                    default: None,
                    renamed_from: None,
                    sql_type: None,
                });
            }
            let mut relations = Vec::new();
            if i > 0 {
                columns.push(ColumnMeta {
                    field: "parent_id",
                    name: "parent_id",
                    ty: SqlType::BigInt,
                    nullable: true,
                    auto_increment: false,
                    unique: false,
                    index: false,
                    default: None,
                    renamed_from: None,
                    sql_type: None,
                });
                relations.push(RelationMeta {
                    name: "parent_id",
                    kind: RelationKind::One,
                    alias: None,
                    target_name: out[i - 1].name,
                    target: TARGETS[i - 1],
                    from: &["parent_id"],
                    to: &["id"],
                    through: None,
                    holds_key: true,
                    optional: true,
                    on_delete: None,
                    on_update: None,
                    constraint: Constraint::ColumnKey,
                });
            }
            out.push(Box::leak(Box::new(TableMeta {
                name: leak_str(format!("bd_t{i:03}")),
                type_name: leak_str(format!("bench::T{i}")),
                renamed_from: None,
                columns: Box::leak(columns.into_boxed_slice()),
                primary_key: &["id"],
                relations: Box::leak(relations.into_boxed_slice()),
            })));
        }
        out
    })
}

// A relation's target is a function: one per table, by index.
macro_rules! targets {
    ($($i:literal)*) => {
        const TARGETS: [fn() -> &'static TableMeta; TABLES] = [$({
            fn t() -> &'static TableMeta {
                metas()[$i]
            }
            t
        }),*];
    };
}
targets!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
    33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61
    62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90
    91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114
    115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136
    137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158
    159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180
    181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199
);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let schema = metas()
        .iter()
        .fold(Schema::new(RelationMode::ForeignKeys), |s, m| {
            s.table_meta(m)
        });
    let mut urls = vec![("sqlite", "sqlite::memory:".to_string())];
    for (name, var) in [
        ("postgres", "REL_POSTGRES_URL"),
        ("mariadb", "REL_MYSQL_URL"),
    ] {
        if let Ok(url) = std::env::var(var) {
            urls.push((name, url));
        }
    }
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let mut medians = Vec::new();
    for (name, url) in urls {
        let db = runtime.block_on(async {
            let db = Db::connect(&url).await.unwrap();
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            assert!(schema.diff(&db).await.unwrap().is_empty(), "{name}: drift");
            db
        });
        let mut times = Vec::new();
        criterion.bench_function(&format!("diff 200 tables on {name}"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    let t = Instant::now();
                    runtime.block_on(schema.diff(&db)).unwrap();
                    times.push(t.elapsed());
                }
                start.elapsed()
            })
        });
        runtime.block_on(schema.drop_all(&db)).unwrap();
        times.sort();
        medians.push((name, times[times.len() / 2]));
    }
    let base = medians[0].1.as_secs_f64();
    for (name, median) in &medians {
        println!(
            "median diff of {TABLES} tables on {name}: {:.1} ms ({:.2}x SQLite's)",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() / base
        );
    }
}
