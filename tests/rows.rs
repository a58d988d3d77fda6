//! Row I/O by primary key on every backend: insert (one and many, returning keys),
//! get, list and delete, for every column type, with NULLs and edge values.

mod common;
common::report_backends!();

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rel::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "all_types")]
struct AllTypes {
    #[column(primary_key, auto_increment)]
    id: i64,
    small: i16,
    int: i32,
    big: i64,
    real: f32,
    double: f64,
    flag: bool,
    text: String,
    bytes: Vec<u8>,
    date: NaiveDate,
    datetime: NaiveDateTime,
    instant: DateTime<Utc>,
    uuid: Uuid,
    json: serde_json::Value,
    decimal: Decimal,
    o_small: Option<i16>,
    o_int: Option<i32>,
    o_big: Option<i64>,
    o_real: Option<f32>,
    o_double: Option<f64>,
    o_flag: Option<bool>,
    o_text: Option<String>,
    o_bytes: Option<Vec<u8>>,
    o_date: Option<NaiveDate>,
    o_datetime: Option<NaiveDateTime>,
    o_instant: Option<DateTime<Utc>>,
    o_uuid: Option<Uuid>,
    o_json: Option<serde_json::Value>,
    o_decimal: Option<Decimal>,
}

fn datetime() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 2, 29)
        .unwrap()
        .and_hms_micro_opt(23, 59, 58, 123_456)
        .unwrap()
}

/// Extreme values, with every nullable column set.
fn extremes() -> AllTypes {
    let text = "naïve «quote'd» \"double\" back\\slash 🚀 中文".to_string();
    AllTypes {
        id: 0,
        small: i16::MIN,
        int: i32::MAX,
        big: i64::MAX,
        real: 1.5,
        double: 0.1 + 0.2,
        flag: true,
        text: text.clone(),
        bytes: vec![0, 0xff, 0xfe, b'\'', b'"', b'\\', 0x80],
        date: NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
        datetime: datetime(),
        instant: datetime().and_utc(),
        uuid: Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
        json: serde_json::json!({"k": [1, 2.5, null, true], "s": text, "big": i64::MAX}),
        decimal: Decimal::from_str("-1234567890123456.789012345678").unwrap(),
        o_small: Some(i16::MAX),
        o_int: Some(i32::MIN),
        o_big: Some(i64::MIN),
        o_real: Some(-0.25),
        o_double: Some(-1e300),
        o_flag: Some(false),
        o_text: Some(String::new()),
        o_bytes: Some(Vec::new()),
        o_date: Some(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
        o_datetime: Some(
            NaiveDate::from_ymd_opt(1970, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        ),
        o_instant: Some(DateTime::from_timestamp(2_000_000_000, 999_999_000).unwrap()),
        o_uuid: Some(Uuid::nil()),
        o_json: Some(serde_json::json!("")),
        o_decimal: Some(Decimal::from_str("0.0000000000000000000000000001").unwrap()),
    }
}

/// Ordinary values with every nullable column NULL.
fn nulls() -> AllTypes {
    AllTypes {
        id: 0,
        small: 0,
        int: -1,
        big: i64::MIN,
        real: 0.0,
        double: -0.5,
        flag: false,
        text: String::new(),
        bytes: Vec::new(),
        date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        datetime: datetime(),
        instant: datetime().and_utc(),
        uuid: Uuid::max(),
        json: serde_json::json!(null),
        decimal: Decimal::ZERO,
        o_small: None,
        o_int: None,
        o_big: None,
        o_real: None,
        o_double: None,
        o_flag: None,
        o_text: None,
        o_bytes: None,
        o_date: None,
        o_datetime: None,
        o_instant: None,
        o_uuid: None,
        o_json: None,
        o_decimal: None,
    }
}

#[tokio::test]
async fn every_column_type_round_trips() {
    for db in common::backends("every_column_type").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<AllTypes>();
        schema.create_all(&db).await.unwrap();

        let first = db.insert(&extremes()).await.unwrap();
        let second = db.insert(&nulls()).await.unwrap();
        assert_ne!(first, second, "{dialect:?}: generated keys differ");

        let got = db
            .get::<AllTypes>(&first)
            .await
            .unwrap()
            .expect("inserted row");
        assert_eq!(
            got,
            AllTypes {
                id: first,
                ..extremes()
            },
            "{dialect:?}: extremes"
        );
        let got = db
            .get::<AllTypes>(&second)
            .await
            .unwrap()
            .expect("inserted row");
        assert_eq!(
            got,
            AllTypes {
                id: second,
                ..nulls()
            },
            "{dialect:?}: NULLs"
        );

        let all = db.all::<AllTypes>().await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![first, second],
            "{dialect:?}"
        );

        assert!(
            db.delete::<AllTypes>(&first).await.unwrap(),
            "{dialect:?}: deleted"
        );
        assert!(
            !db.delete::<AllTypes>(&first).await.unwrap(),
            "{dialect:?}: already gone"
        );
        assert_eq!(
            db.get::<AllTypes>(&first).await.unwrap(),
            None,
            "{dialect:?}"
        );
        assert_eq!(db.all::<AllTypes>().await.unwrap().len(), 1, "{dialect:?}");
        schema.drop_all(&db).await.unwrap();
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pairs", primary_key(left, right))]
struct Pair {
    left: String,
    right: i32,
    #[column(default = "none")]
    note: String,
}

#[tokio::test]
async fn composite_keys_and_insert_many() {
    for db in common::backends("composite_keys").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Pair>();
        schema.create_all(&db).await.unwrap();
        let rows: Vec<Pair> = (0..250)
            .map(|i| Pair {
                left: format!("k{}", i % 7),
                right: i,
                note: "x".repeat(i as usize % 3),
            })
            .collect();
        let keys = db.insert_many(&rows).await.unwrap();
        assert_eq!(
            keys,
            rows.iter()
                .map(|r| (r.left.clone(), r.right))
                .collect::<Vec<_>>(),
            "{dialect:?}"
        );
        let key = ("k3".to_string(), 10);
        assert_eq!(
            db.get::<Pair>(&key).await.unwrap(),
            Some(rows[10].clone()),
            "{dialect:?}"
        );
        assert_eq!(
            db.get::<Pair>(&("k3".to_string(), 11)).await.unwrap(),
            None,
            "{dialect:?}"
        );
        let all = db.all::<Pair>().await.unwrap();
        assert_eq!(all.len(), 250, "{dialect:?}");
        assert!(
            all.windows(2)
                .all(|w| (&w[0].left, w[0].right) < (&w[1].left, w[1].right)),
            "{dialect:?}: ordered by key"
        );

        // A duplicate key is a typed error, and the batch it was in is not half-written.
        let dup = vec![
            Pair {
                left: "new".into(),
                right: 1,
                note: String::new(),
            },
            rows[0].clone(),
        ];
        let err = db.insert_many(&dup).await.unwrap_err();
        assert!(
            matches!(err, rel::Error::Unique { table: "pairs", .. }),
            "{dialect:?}: {err}"
        );
        assert_eq!(
            db.get::<Pair>(&("new".to_string(), 1)).await.unwrap(),
            None,
            "{dialect:?}: rolled back"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
struct Counter {
    #[column(primary_key, auto_increment)]
    id: i32,
}

#[tokio::test]
async fn generated_keys_of_many_rows_come_back_in_order() {
    for db in common::backends("generated_keys").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Counter>();
        schema.create_all(&db).await.unwrap();
        let one = db.insert(&Counter { id: 0 }).await.unwrap();
        let many = db.insert_many(&vec![Counter { id: 0 }; 5]).await.unwrap();
        let mut expected: Vec<i32> = (1..=5).map(|i| one + i).collect();
        expected.sort();
        assert_eq!(many, expected, "{dialect:?}");
        let mut tx = db.begin().await.unwrap();
        let in_tx = tx.insert(&Counter { id: 0 }).await.unwrap();
        assert_eq!(
            tx.get::<Counter>(&in_tx).await.unwrap(),
            Some(Counter { id: in_tx }),
            "{dialect:?}"
        );
        tx.rollback().await.unwrap();
        assert_eq!(
            db.all::<Counter>().await.unwrap().len(),
            6,
            "{dialect:?}: rolled back"
        );
        schema.drop_all(&db).await.unwrap();
    }
}
