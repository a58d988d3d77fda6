//! The Emulated-mode stress workload, shared by `tests/emulated_stress.rs` (one server)
//! and `tests/galera.rs` (writers spread over the nodes of a cluster).
//!
//! Writers insert children of random parents, delete parents, change parents' keys and
//! delete children by filter, all at once. At the end the integrity check counts the
//! orphans, and every write that reported success must be in the data.

use rel::prelude::*;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Table, Debug, Clone)]
#[table(name = "st_parents")]
pub struct Parent {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Table, Debug, Clone)]
#[table(name = "st_children")]
pub struct Child {
    #[column(primary_key)]
    pub id: i64,
    pub parent_id: i64,
    #[relation(one, from = parent_id, to = Parent::id, on_delete = restrict, on_update = cascade)]
    pub parent: One<Parent>,
}

/// The schema of the workload, in Emulated mode.
pub fn schema() -> Schema {
    Schema::new(RelationMode::Emulated).table::<Child>()
}

pub const WRITERS: usize = 16;
const PARENTS: i64 = 12;

/// What the writers reported as done, to hold the data to.
#[derive(Default)]
struct Done {
    /// Children inserted that no delete by filter may remove (ids not divisible by 10).
    kept_children: Vec<i64>,
    /// Parent ids deleted, or moved to another id: never to be seen again.
    gone_parents: Vec<i64>,
    /// Per writer, errors that say the connection or the node failed.
    connection_errors: Vec<u64>,
    /// Writes that still met a retryable abort after Rel's bounded retries.
    exhausted: u64,
    /// Errors that are neither a typed refusal nor a connection failure.
    unexpected: Vec<String>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The orphans the integrity check counts.
    pub orphans: u64,
    /// How many writes Rel ran again after a retryable abort.
    pub retries: u64,
    /// Per writer: errors that say its connection or node failed.
    pub connection_errors: Vec<u64>,
    /// Writes that still met a retryable abort (a deadlock, a certification failure)
    /// after Rel's bounded retries, and returned it.
    pub exhausted: u64,
    /// Errors of any other kind than the typed refusals the workload meets.
    pub unexpected: Vec<String>,
}

/// The mix of writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// Six in ten insert a child; one each deletes a parent, moves one to a new key,
    /// deletes children by filter, and inserts a parent again.
    Standard,
    /// More key changes racing the child inserts: half insert a child, three in ten
    /// move a parent, two in ten insert a parent again.
    Moves,
}

/// A small deterministic generator per writer (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Files a write's error: a typed refusal is expected; a connection failure is counted
/// for the writer; anything else is unexpected.
fn record(done: &Mutex<Done>, writer: usize, e: &rel::Error) {
    let mut done = done.lock().unwrap();
    match e {
        rel::Error::ForeignKey { .. }
        | rel::Error::StillReferenced { .. }
        | rel::Error::Unique { .. } => {}
        e if e.is_connection() => done.connection_errors[writer] += 1,
        e if e.is_retryable() => done.exhausted += 1,
        e => done.unexpected.push(format!("writer {writer}: {e}")),
    }
}

/// Runs the workload, `operations` writes per writer; writer `w` writes through
/// `dbs[w % dbs.len()]` (one `Db` per node of a cluster, or just one). The schema is
/// created through `dbs[0]`, which also runs the integrity check. `check_successes`
/// holds the data to every success the writers reported.
pub async fn workload(
    dbs: &[Db],
    schema: &Schema,
    operations: usize,
    mix: Mix,
    check_successes: bool,
) -> Outcome {
    let db = &dbs[0];
    schema.drop_all(db).await.unwrap();
    schema.create_all(db).await.unwrap();
    for other in &dbs[1..] {
        other.use_schema(schema);
    }
    let parents: Vec<Parent> = (1..=PARENTS)
        .map(|id| Parent {
            id,
            name: format!("p{id}"),
        })
        .collect();
    db.insert_many(&parents).await.unwrap();
    let retries_before: u64 = dbs.iter().map(Db::retry_count).sum();
    let next_id = Arc::new(AtomicI64::new(1_000));
    let done = Arc::new(Mutex::new(Done {
        connection_errors: vec![0; WRITERS],
        ..Done::default()
    }));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = dbs[w % dbs.len()].clone();
            let (next_id, done) = (next_id.clone(), done.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
                for _ in 0..operations {
                    let parent = 1 + rng.below(PARENTS as u64) as i64;
                    let mut op = rng.below(10);
                    if mix == Mix::Moves {
                        op = match op {
                            0..=4 => 0,
                            5..=7 => 7,
                            _ => 9,
                        };
                    }
                    match op {
                        // Insert a child of a random parent (most of the work).
                        0..=5 => {
                            let id = next_id.fetch_add(1, Ordering::Relaxed);
                            let child = Child {
                                id,
                                parent_id: parent,
                                parent: One::default(),
                            };
                            match db.insert(&child).await {
                                Ok(_) if id % 10 != 0 => {
                                    done.lock().unwrap().kept_children.push(id)
                                }
                                Ok(_) => {}
                                Err(e) => record(&done, w, &e),
                            }
                        }
                        // Delete a parent: refused while it has children.
                        6 => match db.delete::<Parent>(&parent).await {
                            Ok(true) => done.lock().unwrap().gone_parents.push(parent),
                            Ok(false) => {}
                            Err(e) => record(&done, w, &e),
                        },
                        // Move a parent to a new key: its children follow.
                        7 => {
                            let id = next_id.fetch_add(1, Ordering::Relaxed);
                            let moved = Parent::update()
                                .set(Parent::id, id)
                                .filter(Parent::id.eq(parent))
                                .run(&db)
                                .await;
                            match moved {
                                Ok(1) => done.lock().unwrap().gone_parents.push(parent),
                                Ok(_) => {}
                                Err(e) => record(&done, w, &e),
                            }
                        }
                        // Delete some children by filter.
                        8 => {
                            let deleted = Child::delete()
                                .filter(Child::parent_id.eq(parent))
                                .filter(Child::id.in_list((0..2_000).map(|i| i * 10)))
                                .run(&db)
                                .await;
                            if let Err(e) = deleted {
                                record(&done, w, &e);
                            }
                        }
                        // A new parent, with a key the generator may hit.
                        _ => {
                            let again = Parent {
                                id: parent,
                                name: "again".into(),
                            };
                            if let Err(e) = db.insert(&again).await {
                                record(&done, w, &e);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let orphans: u64 = schema
        .check_integrity(db)
        .await
        .unwrap()
        .iter()
        .map(|o| o.count)
        .sum();
    let done = std::mem::take(&mut *done.lock().unwrap());
    if check_successes {
        let children: Vec<i64> = db
            .all::<Child>()
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        for id in &done.kept_children {
            assert!(
                children.contains(id),
                "{:?}: child {id} was reported inserted",
                db.dialect()
            );
        }
        let parents: Vec<i64> = db
            .all::<Parent>()
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        for id in &done.gone_parents {
            // A deleted or moved key may come back only by a later insert of the same
            // key (the generator reuses 1..=12); keys from the counter never do.
            if *id >= 1_000 {
                assert!(
                    !parents.contains(id),
                    "{:?}: parent {id} was reported gone",
                    db.dialect()
                );
            }
        }
    }
    Outcome {
        orphans,
        retries: dbs.iter().map(Db::retry_count).sum::<u64>() - retries_before,
        connection_errors: done.connection_errors,
        exhausted: done.exhausted,
        unexpected: done.unexpected,
    }
}
