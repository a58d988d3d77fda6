//! Read replicas: which node a read runs on, and how a read after a write never goes
//! back in time.
//!
//! A `Db` with replicas holds a [`Routing`]. Reads (`all`, `get`, `count`, `select`,
//! `load`) go to a healthy replica the chooser picks; everything else (writes,
//! transactions and their reads, Emulated mode's checks and locks, DDL, the catalog,
//! `check_integrity`) runs on the primary, as it does without replicas.
//!
//! After each write through the `Db` it asks the primary where its log stands
//! (`Replication::written`), and keeps the latest such [`Position`] (shared by the
//! `Db`'s clones). A read that follows runs on a replica only once the replica has
//! replayed that position: known from an earlier answer, asked (`replayed`), or waited
//! for up to a bound (`wait`, or asking again); otherwise on the primary. A replica
//! that fails to connect is skipped for a while; one that has not reached where the
//! primary stood `max_lag` ago is skipped until it has.

mod facade;
mod nodes;

pub(super) use nodes::{Config, Replicas};
pub use nodes::{ReplicaChooser, ReplicaSettings, RoundRobin};

use super::conn::Sent;
use super::operation::{Job, measured};
use super::position::Position;
use crate::driver::Link;
use crate::model::error::{Error, Result};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::exec::Executor;
use nodes::{Node, read_position};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a `Db` reads from: its replicas, its own writes' position, and whether it
/// reads the primary anyway.
#[derive(Clone)]
pub(crate) struct Routing {
    pub(super) replicas: Arc<Replicas>,
    /// The position after the latest write through this `Db` (or its clones).
    pub(super) seen: Arc<Mutex<Seen>>,
    /// A position its reads must see too (`Db::after`).
    pub(super) floor: Option<Position>,
    /// Reads go to the primary (`Db::primary`).
    pub(super) primary: bool,
    /// `Db::after` was given a position of another engine than the primary's: no
    /// replica can be known to have it, so reads go to the primary.
    pub(super) floor_unreadable: bool,
}

/// The latest write's position, or that it could not be read (then reads go to the
/// primary until a later write's position is known).
#[derive(Default)]
pub(crate) struct Seen {
    pub(super) position: Option<Position>,
    pub(super) unknown: bool,
    /// How many lookups of the primary's position failed. A lookup clears `unknown`
    /// only when none failed after it began: one that failed earlier was for a write
    /// that committed before the lookup began, which its position covers.
    failures: u64,
}

/// A node's name in the trace.
pub(super) const PRIMARY: &str = "primary";

impl Routing {
    /// A routing with no writes seen, reading replicas.
    pub(super) fn new(replicas: Replicas) -> Routing {
        Routing {
            replicas: Arc::new(replicas),
            seen: Arc::default(),
            floor: None,
            primary: false,
            floor_unreadable: false,
        }
    }

    /// Notes a write that ended, or that may have committed before it failed: the
    /// primary's position now covers it.
    pub(super) async fn wrote(&self) {
        if self.replicas.config.tracks_writes {
            let _ = self.learn().await;
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the primary where its log stands, and keeps it as the latest write's
    /// position. Not waited for longer than a replica would be: a primary that does
    /// not answer leaves the position unknown (the next reads go to the primary).
    async fn learn(&self) -> Result<Position> {
        let before = self.seen().failures;
        let timeout = self.replicas.config.timeout;
        let looked = match tokio::time::timeout(timeout, self.replicas.primary_position()).await {
            Ok(Ok(Some(position))) => Ok(position),
            Ok(Ok(None)) => Err(Error::Unsupported {
                table: "*",
                relation: "*",
                message: "the primary reports no replication position (are GTIDs or \
                          the binary log off?): reads after a write run on the primary"
                    .into(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Timeout {
                message: format!("the primary's replication position, within {timeout:?}"),
                source: None,
            }),
        };
        let mut seen = self.seen();
        match &looked {
            Ok(position) => {
                seen.position = Some(match &seen.position {
                    Some(before) => before.join(position),
                    None => position.clone(),
                });
                if seen.failures == before {
                    seen.unknown = false;
                }
            }
            Err(_) => {
                seen.unknown = true;
                seen.failures += 1;
            }
        }
        looked
    }

    /// The position after the latest write through this `Db`, asked of the primary
    /// where a write's position could not be read (see `Db::position`).
    pub(super) async fn position(&self) -> Result<Option<Position>> {
        let known = {
            let seen = self.seen();
            (!seen.unknown).then(|| seen.position.clone())
        };
        match known {
            Some(position) => Ok(position),
            None => self.learn().await.map(Some),
        }
    }

    /// The position the next read must see, or `Err(())` when only the primary has
    /// it for sure.
    fn needed(&self) -> std::result::Result<Option<Position>, ()> {
        if self.floor_unreadable {
            return Err(());
        }
        let seen = self.seen();
        if !self.replicas.config.tracks_writes {
            return Ok(self.floor.clone());
        }
        if seen.unknown {
            return Err(());
        }
        Ok(match (&seen.position, &self.floor) {
            (Some(a), Some(b)) => Some(a.join(b)),
            (a, b) => a.clone().or_else(|| b.clone()),
        })
    }

    /// Runs a read's `work` on a replica that has every write this `Db` made (and its
    /// floor), or else on the primary; records the node in the operation's span.
    pub(super) async fn read(&self, work: &mut dyn Job) -> (Result<()>, Sent) {
        let replicas = &*self.replicas;
        let mut sent = Sent::default();
        if self.primary {
            return self.on_primary(work, sent).await;
        }
        let need = match self.needed() {
            Ok(need) => need,
            // A write's position is not known: asked again (one statement), or the
            // read runs on the primary.
            Err(()) if !self.floor_unreadable => match self.learn().await {
                Ok(_) => match self.needed() {
                    Ok(need) => need,
                    Err(()) => return self.on_primary(work, sent).await,
                },
                Err(_) => return self.on_primary(work, sent).await,
            },
            Err(()) => return self.on_primary(work, sent).await,
        };
        let mut tried = vec![false; replicas.nodes.len()];
        // Only the first replica that is behind is waited for; the others are asked.
        let mut wait = replicas.config.wait;
        loop {
            let now = Instant::now();
            let healthy = replicas.healthy(now, &tried);
            if healthy.is_empty() {
                break;
            }
            let mut i = replicas.config.chooser.choose(&healthy);
            if !healthy.contains(&i) {
                i = healthy[0];
            }
            tried[i] = true;
            let node = &replicas.nodes[i];
            // A replica that hangs is as down as one that refuses.
            let acquired = tokio::time::timeout(
                replicas.config.timeout,
                node.acquire(&replicas.primary, &replicas.statements),
            );
            let mut link = match acquired.await {
                Ok(Ok(link)) => link,
                _ => {
                    node.down(replicas.config.retry);
                    continue;
                }
            };
            let checked = self.ready(node, &mut link, need.as_ref(), wait);
            let bound = wait.saturating_add(replicas.config.timeout.saturating_mul(2));
            match tokio::time::timeout(bound, checked).await {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => {
                    wait = Duration::ZERO;
                    continue;
                }
                _ => {
                    node.down(replicas.config.retry);
                    continue;
                }
            }
            let (result, this) = measured(&mut link, work).await;
            sent.statements += this.statements;
            sent.rows += this.rows;
            match result {
                Err(e) if e.is_connection() => node.down(replicas.config.retry),
                result => {
                    super::trace::node(&node.name);
                    return (result, sent);
                }
            }
        }
        self.on_primary(work, sent).await
    }

    async fn on_primary(&self, work: &mut dyn Job, mut sent: Sent) -> (Result<()>, Sent) {
        super::trace::node(PRIMARY);
        let replicas = &*self.replicas;
        let mut link = match replicas.primary.acquire(&replicas.statements).await {
            Ok(link) => link,
            Err(e) => return (Err(e), sent),
        };
        let (result, this) = measured(&mut link, work).await;
        sent.statements += this.statements;
        sent.rows += this.rows;
        (result, sent)
    }

    /// Whether `node` may serve the read: it does not lag (checked when due), and has
    /// replayed `need`, or does within `wait`.
    async fn ready(
        &self,
        node: &Node,
        link: &mut Link<'_>,
        need: Option<&Position>,
        wait: Duration,
    ) -> Result<bool> {
        let replicas = &*self.replicas;
        let config = &replicas.config;
        let replication = link.dialect().replication();
        let replayed_sql = replication.map(|r| r.replayed);
        let now = Instant::now();
        let due = node
            .state()
            .checked
            .is_none_or(|at| now.duration_since(at) >= config.check_every());
        if due {
            if replicas
                .sampled()
                .is_none_or(|at| now.duration_since(at) >= config.check_every())
            {
                // Where the primary stands, for the lag of the next checks; not
                // waited for longer than a replica would be (the primary may be down).
                let _ = tokio::time::timeout(config.timeout, replicas.primary_position()).await;
            }
            let replayed = read_position(link, replayed_sql).await?;
            let lagging = replicas.lagging(Instant::now(), replayed.as_ref());
            let mut state = node.state();
            state.checked = Some(Instant::now());
            state.lagging = lagging;
            state.replayed = replayed;
            if lagging {
                #[cfg(feature = "tracing")]
                tracing::warn!(target: "rel::replicas", replica = %node.name, "replica lags more than {:?}: skipped", config.max_lag);
                return Ok(false);
            }
        }
        let Some(need) = need else {
            return Ok(true);
        };
        if node.replayed_at_least(need) {
            return Ok(true);
        }
        let now = Instant::now();
        let deadline = now
            .checked_add(wait)
            .unwrap_or(now + Duration::from_secs(86_400));
        // The lag check, when it ran, has just asked: not again before waiting.
        let mut ask = !due;
        loop {
            if ask {
                let replayed = read_position(link, replayed_sql).await?;
                let caught_up = replayed.as_ref().is_some_and(|r| r.covers(need));
                if replayed.is_some() {
                    node.state().replayed = replayed;
                }
                if caught_up {
                    return Ok(true);
                }
            }
            ask = true;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            match replication.and_then(|r| r.wait) {
                // The server waits, up to what is left.
                Some(function) => {
                    let waited = wait_for(link, function, need, left).await?;
                    if waited {
                        node.state().replayed = Some(need.clone());
                        return Ok(true);
                    }
                    return Ok(false);
                }
                None => tokio::time::sleep(left.min(Duration::from_millis(2))).await,
            }
        }
    }
}

/// Waits on a replica, by its `function`, until it has replayed `need` or `left`
/// passed; whether it has.
async fn wait_for(
    link: &mut Link<'_>,
    function: &'static str,
    need: &Position,
    left: Duration,
) -> Result<bool> {
    let mut b = SqlBuilder::new(link.dialect());
    b.push("SELECT ");
    b.push(function);
    b.push("(");
    b.push_bind(Value::Text(need.to_string()));
    b.push(", ");
    b.push_bind(Value::F64(left.as_secs_f64()));
    b.push(")");
    let stmt: Statement = b.finish();
    let rows = (link as &mut dyn Executor)
        .fetch(&stmt, &[SqlType::BigInt])
        .await?;
    Ok(matches!(
        rows.first().and_then(|r| r.first()),
        Some(Value::I64(0))
    ))
}
