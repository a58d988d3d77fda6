//! Type fidelity through both loading strategies: every column type, nested at depth 2,
//! comes back identical on every backend. The Join strategy carries rows through JSON,
//! where integers past 2^53, decimals, bytes and JSON `null` are easy to bend.

mod common;
common::report_backends!();

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rel::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "roots")]
struct Root {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    mids: Many<Mid>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "mids")]
struct Mid {
    #[column(primary_key)]
    id: i64,
    root_id: i64,
    #[relation(one, from = root_id, to = Root::id)]
    root: One<Root>,
    #[relation(many)]
    leaves: Many<Leaf>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "leaves")]
struct Leaf {
    #[column(primary_key)]
    id: i64,
    mid_id: i64,
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    real: Option<f32>,
    double: Option<f64>,
    flag: Option<bool>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    date: Option<NaiveDate>,
    datetime: Option<NaiveDateTime>,
    instant: Option<DateTime<Utc>>,
    uuid: Option<Uuid>,
    json: Option<serde_json::Value>,
    decimal: Option<Decimal>,
    #[relation(one, from = mid_id, to = Mid::id)]
    mid: One<Mid>,
}

/// Every column of a leaf but its keys, as a partial selection.
#[derive(rel::Partial, Debug, Clone, PartialEq)]
#[partial(of = Leaf)]
struct LeafValues {
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    real: Option<f32>,
    double: Option<f64>,
    flag: Option<bool>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    date: Option<NaiveDate>,
    datetime: Option<NaiveDateTime>,
    instant: Option<DateTime<Utc>>,
    uuid: Option<Uuid>,
    json: Option<serde_json::Value>,
    decimal: Option<Decimal>,
}

fn at(y: i32, m: u32, d: u32, micro: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_micro_opt(23, 59, 58, micro)
        .unwrap()
}

fn leaves() -> Vec<Leaf> {
    let text = "naïve «quote'd» \"double\" back\\slash\n\t🚀 中文 \u{0}end".to_string();
    let full = |id, mid_id, sign: i64| Leaf {
        id,
        mid_id,
        small: Some(if sign > 0 { i16::MAX } else { i16::MIN }),
        int: Some(if sign > 0 { i32::MAX } else { i32::MIN }),
        big: Some(if sign > 0 { i64::MAX } else { i64::MIN }),
        real: Some(1.5 * sign as f32),
        double: Some(if sign > 0 { 0.1 + 0.2 } else { -1e300 }),
        flag: Some(sign > 0),
        text: Some(if sign > 0 {
            text.replace('\u{0}', "")
        } else {
            String::new()
        }),
        bytes: Some(if sign > 0 {
            vec![0, 0xff, 0xfe, b'"', b'\\', 0x80]
        } else {
            Vec::new()
        }),
        date: Some(NaiveDate::from_ymd_opt(if sign > 0 { 9999 } else { 1 }, 12, 31).unwrap()),
        datetime: Some(at(2024, 2, 29, 123_456)),
        instant: Some(at(1999, 12, 31, 999_999).and_utc()),
        uuid: Some(Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)),
        json: Some(if sign > 0 {
            serde_json::json!({"k": [1, 2.5, null, true], "s": "\"q\"", "big": i64::MAX})
        } else {
            serde_json::json!(null)
        }),
        decimal: Some(
            Decimal::from_str(if sign > 0 {
                "1234567890123456.789012345678"
            } else {
                "-0.0000000000000000000000000001"
            })
            .unwrap(),
        ),
        mid: One::default(),
    };
    let empty = |id, mid_id| Leaf {
        id,
        mid_id,
        small: None,
        int: None,
        big: None,
        real: None,
        double: None,
        flag: None,
        text: None,
        bytes: None,
        date: None,
        datetime: None,
        instant: None,
        uuid: None,
        json: None,
        decimal: None,
        mid: One::default(),
    };
    vec![
        full(1, 10, 1),
        full(2, 10, -1),
        empty(3, 10),
        full(4, 20, 1),
    ]
}

#[tokio::test]
async fn every_type_survives_both_strategies_at_depth_two() {
    for db in common::backends("type_matrix").await {
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Leaf>();
        schema.create_all(&db).await.unwrap();
        db.insert_many(&[Root {
            id: 1,
            mids: Many::default(),
        }])
        .await
        .unwrap();
        let mid = |id| Mid {
            id,
            root_id: 1,
            root: One::default(),
            leaves: Many::default(),
        };
        db.insert_many(&[mid(10), mid(20)]).await.unwrap();
        db.insert_many(&leaves()).await.unwrap();

        for strategy in [Strategy::Join, Strategy::Batch] {
            let d = (db.dialect(), strategy);
            let roots = Root::query()
                .strategy(strategy)
                .with(
                    Root::mids()
                        .order_by(Mid::id.asc())
                        .with(Mid::leaves().order_by(Leaf::id.asc())),
                )
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?}: {e}"));
            let got: Vec<Leaf> = roots[0]
                .mids
                .get()
                .unwrap()
                .iter()
                .flat_map(|m| m.leaves.get().unwrap().to_vec())
                .collect();
            let want = leaves();
            assert_eq!(got.len(), want.len(), "{d:?}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{d:?}: leaf {}", w.id);
            }
            // The same values through a partial selection of every type.
            let partial = Leaf::query()
                .strategy(strategy)
                .order_by(Leaf::id.asc())
                .select::<LeafValues>()
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?}: {e}"));
            let values = |l: &Leaf| LeafValues {
                small: l.small,
                int: l.int,
                big: l.big,
                real: l.real,
                double: l.double,
                flag: l.flag,
                text: l.text.clone(),
                bytes: l.bytes.clone(),
                date: l.date,
                datetime: l.datetime,
                instant: l.instant,
                uuid: l.uuid,
                json: l.json.clone(),
                decimal: l.decimal,
            };
            let want_values: Vec<LeafValues> = want.iter().map(values).collect();
            assert_eq!(partial, want_values, "{d:?}: partial");
        }
        schema.drop_all(&db).await.unwrap();
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "floats")]
struct Float {
    #[column(primary_key)]
    id: i64,
    value: f64,
    maybe: Option<f64>,
}

/// NaN and the infinities round-trip where the backend stores them (PostgreSQL, and
/// the infinities on SQLite), under both strategies; elsewhere the write is refused
/// with a typed error, and nothing is stored. A value never silently becomes NULL.
/// `-0.0` keeps its sign on PostgreSQL and comes back as `0.0` on SQLite and MariaDB
/// (the guide's backend differences, `docs/guide/backends.md`).
#[tokio::test]
async fn special_floats_round_trip_or_are_refused() {
    for db in common::backends("floats").await {
        let d = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Float>();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        for (i, x) in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]
            .into_iter()
            .enumerate()
        {
            let row = Float {
                id: i as i64,
                value: 1.5,
                maybe: Some(x),
            };
            let stored = match d {
                Dialect::Postgres => true,
                Dialect::Sqlite => !x.is_nan(),
                _ => x.is_finite(),
            };
            // What comes back: the value, but zero without its sign where the backend
            // drops it.
            let back = if x == 0.0 && d != Dialect::Postgres {
                0.0
            } else {
                x
            };
            let inserted = db.insert(&row).await;
            if !stored {
                assert!(
                    matches!(
                        inserted,
                        Err(rel::Error::UnsupportedValue {
                            table: "floats",
                            column: "maybe",
                            ..
                        })
                    ),
                    "{d:?} {x}: {inserted:?}"
                );
                assert!(db.get::<Float>(&row.id).await.unwrap().is_none());
                continue;
            }
            inserted.unwrap();
            for strategy in [rel::Strategy::Join, rel::Strategy::Batch] {
                let got = Float::query()
                    .strategy(strategy)
                    .filter(Float::id.eq(row.id))
                    .all(&db)
                    .await
                    .unwrap();
                let got = got[0].maybe.unwrap();
                assert!(
                    got.to_bits() == back.to_bits() || (got.is_nan() && back.is_nan()),
                    "{d:?} {strategy:?}: {x:e} came back as {got:e}"
                );
            }
        }
    }
}

/// A long list of floats travels as one JSON text on SQLite and MySQL/MariaDB (Rel
/// writes that JSON itself): each value comes back as the same `f64`, so the list
/// matches exactly the rows that hold it: the largest, the smallest normal and
/// subnormal, thirds, and where Rust's text turns to exponents (1e16, 1e-5).
#[tokio::test]
async fn long_lists_of_floats_match_exactly() {
    let values = [
        0.1,
        -2.5,
        1.0 / 3.0,
        1e20,
        1e-7,
        123_456_789.123_456_78,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::from(0.1_f32),
        2.0,
        f64::from_bits(1),
        1e16,
        1e-5,
        -0.0,
    ];
    for db in common::backends("float_lists").await {
        let d = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Float>();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let rows: Vec<Float> = values
            .iter()
            .enumerate()
            .map(|(i, &x)| Float {
                id: i as i64,
                value: x,
                maybe: None,
            })
            .chain([
                Float {
                    id: 100,
                    value: 0.1 + 1e-16,
                    maybe: None,
                },
                Float {
                    id: 101,
                    value: 1e20 * (1.0 + f64::EPSILON),
                    maybe: None,
                },
            ])
            .collect();
        db.insert_many(&rows).await.unwrap();
        let list: Vec<f64> = (0..1_500)
            .map(|i| 1_000.0 + f64::from(i) / 7.0)
            .chain(values)
            .collect();
        let found: Vec<i64> = Float::query()
            .filter(Float::value.in_list(list))
            .order_by(Float::id.asc())
            .all(&db)
            .await
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(found, (0..values.len() as i64).collect::<Vec<_>>(), "{d:?}");
    }
}

/// The `time` crate's types (the `time` feature), beside chrono's: a date, a date-time
/// and an instant at another offset, through both strategies and a filter, on every
/// backend.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "tm_events")]
struct Event {
    #[column(primary_key)]
    id: i64,
    day: time::Date,
    at: time::PrimitiveDateTime,
    instant: Option<time::OffsetDateTime>,
    #[relation(many)]
    notes: Many<EventNote>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "tm_event_notes")]
struct EventNote {
    #[column(primary_key)]
    id: i64,
    event_id: i64,
    due: Option<time::Date>,
    #[relation(one, from = event_id, to = Event::id)]
    event: One<Event>,
}

#[tokio::test]
async fn time_crate_types_round_trip() {
    use time::macros::{date, datetime};
    let schema = Schema::new(RelationMode::ForeignKeys).table::<EventNote>();
    let events = [
        Event {
            id: 1,
            day: date!(2024 - 02 - 29),
            at: datetime!(2024-02-29 23:59:59.123456),
            // 10:00 at +02:00 is 08:00 UTC: the instant is kept, at offset zero.
            instant: Some(datetime!(2024-03-01 10:00:00.5 +02:00)),
            notes: Many::default(),
        },
        Event {
            id: 2,
            day: date!(1969 - 12 - 31),
            at: datetime!(1969-12-31 00:00:00),
            instant: None,
            notes: Many::default(),
        },
    ];
    // Near the end of `time`'s years, an instant at another offset converts without
    // a panic (its UTC date is in the year 10000).
    let edge = datetime!(9999-12-31 23:00 -05:00);
    assert!(matches!(
        rel::ColumnValue::to_value(&edge),
        rel::Value::TimestampTz(at) if at.timestamp() == edge.unix_timestamp()
    ));
    for db in common::fresh("type_matrix_time", &schema).await {
        let d = db.dialect();
        db.insert_many(&events).await.unwrap();
        db.insert(&EventNote {
            id: 10,
            event_id: 1,
            due: Some(date!(9999 - 12 - 31)),
            event: One::default(),
        })
        .await
        .unwrap();
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = Event::query()
                .strategy(strategy)
                .with(Event::notes())
                .order_by(Event::id.asc())
                .all(&db)
                .await
                .unwrap();
            assert_eq!(got.len(), 2, "{d:?} {strategy:?}");
            for (got, want) in got.iter().zip(&events) {
                assert_eq!(
                    (got.id, got.day, got.at, got.instant),
                    (want.id, want.day, want.at, want.instant),
                    "{d:?} {strategy:?}"
                );
            }
            let instant = got[0].instant.unwrap();
            assert_eq!(instant.offset(), time::UtcOffset::UTC, "{d:?}");
            assert_eq!(instant, datetime!(2024-03-01 08:00:00.5 UTC), "{d:?}");
            let notes = got[0].notes.get().unwrap();
            assert_eq!(
                notes[0].due,
                Some(date!(9999 - 12 - 31)),
                "{d:?} {strategy:?}"
            );
        }
        let leap_day = Event::query()
            .filter(Event::day.eq(date!(2024 - 02 - 29)))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            leap_day.iter().map(|e| e.id).collect::<Vec<_>>(),
            [1],
            "{d:?}"
        );
        let before = Event::query()
            .filter(Event::at.lt(datetime!(2000-01-01 00:00)))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            before.iter().map(|e| e.id).collect::<Vec<_>>(),
            [2],
            "{d:?}"
        );
    }
}
