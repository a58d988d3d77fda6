//! A parent set of 100,000 rows loads its relations on every backend: the parents'
//! keys are chunked under each backend's bind limit (where SeaORM's and Diesel's loaders
//! fail with "too many SQL variables").

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "parents")]
struct Parent {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    children: Many<Child>,
}

#[derive(Table, Debug)]
#[table(name = "children")]
struct Child {
    #[column(primary_key)]
    id: i64,
    parent_id: i64,
    #[relation(one, from = parent_id, to = Parent::id)]
    parent: One<Parent>,
}

const PARENTS: i64 = 100_000;

#[tokio::test]
async fn one_hundred_thousand_parents() {
    for db in common::backends("batch_scale").await {
        let d = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Parent>();
        schema.create_all(&db).await.unwrap();
        let parents: Vec<Parent> = (0..PARENTS)
            .map(|id| Parent {
                id,
                children: Many::default(),
            })
            .collect();
        db.insert_many(&parents).await.unwrap();
        // Every third parent has two children, the others none.
        let children: Vec<Child> = (0..PARENTS)
            .filter(|p| p % 3 == 0)
            .flat_map(|p| {
                [2 * p, 2 * p + 1].map(|id| Child {
                    id,
                    parent_id: p,
                    parent: One::default(),
                })
            })
            .collect();
        db.insert_many(&children).await.unwrap();

        // A filter that keeps every parent sends their keys; with none, the
        // children's level reads its whole table (`Reach`) and sends no keys.
        for (keyed, strategy) in [
            (true, Strategy::Batch),
            (false, Strategy::Batch),
            (true, Strategy::Join),
        ] {
            let query = match keyed {
                true => Parent::query().filter(Parent::id.gte(0)),
                false => Parent::query(),
            };
            let before = db.statement_count();
            let loaded = query
                .strategy(strategy)
                .with(Parent::children().order_by(Child::id.desc()))
                .all(&db)
                .await
                .unwrap();
            let statements = db.statement_count() - before;
            assert_eq!(loaded.len() as i64, PARENTS, "{d:?} {strategy:?}");
            for p in &loaded {
                let got: Vec<i64> = p.children.get().unwrap().iter().map(|c| c.id).collect();
                let want = if p.id % 3 == 0 {
                    vec![2 * p.id + 1, 2 * p.id]
                } else {
                    vec![]
                };
                assert_eq!(got, want, "{d:?} {strategy:?}: parent {}", p.id);
            }
            // Batch: one root statement, and the children in as few chunks as the bind
            // limit allows (PostgreSQL: one array parameter, one chunk; MariaDB: lists
            // of at most 30,000 keys, see `keys_per_in_list`), or in one statement
            // without keys. Join: one.
            let per_statement = match d {
                Dialect::Postgres => PARENTS as usize,
                Dialect::MySql => 30_000,
                _ => d.bind_limit() - 2,
            };
            let chunks = (PARENTS as usize).div_ceil(per_statement) as u64;
            let expected = match (strategy, keyed) {
                (Strategy::Join, _) => 1,
                (_, true) => 1 + chunks,
                (_, false) => 2,
            };
            assert_eq!(statements, expected, "{d:?} {strategy:?} keyed: {keyed}");
        }
        schema.drop_all(&db).await.unwrap();
    }
}
