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

use super::conn::Sent;
use super::operation::{Work, measured};
use super::position::Position;
use crate::driver::{Link, Pool, Settings, SqlxPool, connect_error};
use crate::model::error::{Error, Result};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::exec::Executor;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Picks the replica for a read from the healthy ones: the default, [`RoundRobin`],
/// takes them in turn. Set another with
/// [`DbBuilder::replica_chooser`](crate::DbBuilder::replica_chooser).
///
/// ```
/// use rel::ReplicaChooser;
///
/// /// Always the first healthy replica (the nearest, say, listed first).
/// struct Nearest;
///
/// impl ReplicaChooser for Nearest {
///     fn choose(&self, healthy: &[usize]) -> usize {
///         healthy[0]
///     }
/// }
/// assert_eq!(Nearest.choose(&[1, 2]), 1);
/// ```
pub trait ReplicaChooser: Send + Sync + 'static {
    /// The replica for the next read: one of `healthy`, the numbers (from 0, in the
    /// order they were added) of the replicas that are up and not lagging, never
    /// empty. A number not in it picks the first of them.
    fn choose(&self, healthy: &[usize]) -> usize;
}

/// Takes the healthy replicas in turn.
///
/// ```
/// use rel::{ReplicaChooser, RoundRobin};
/// let chooser = RoundRobin::default();
/// let picks: Vec<usize> = (0..4).map(|_| chooser.choose(&[0, 2])).collect();
/// assert_eq!(picks, [0, 2, 0, 2]);
/// ```
#[derive(Debug, Default)]
pub struct RoundRobin(AtomicUsize);

impl ReplicaChooser for RoundRobin {
    fn choose(&self, healthy: &[usize]) -> usize {
        healthy[self.0.fetch_add(1, Ordering::Relaxed) % healthy.len()]
    }
}

/// How the replicas are used: set by `DbBuilder`'s `replica_*` methods.
#[derive(Clone)]
pub(super) struct Config {
    /// How long a read after a write waits for a replica to replay it before it runs
    /// on the primary.
    pub wait: Duration,
    /// A replica that has not reached where the primary stood this long ago is skipped.
    pub max_lag: Duration,
    /// How long a replica that failed to connect is skipped before it is tried again.
    pub retry: Duration,
    /// How long opening a connection to a replica, or waiting for a free one, may take.
    pub timeout: Duration,
    pub chooser: Arc<dyn ReplicaChooser>,
    /// Reads wait for the `Db`'s own writes (off only in a test that shows what
    /// happens without it).
    pub tracks_writes: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            wait: Duration::from_secs(1),
            max_lag: Duration::from_secs(10),
            retry: Duration::from_secs(5),
            timeout: Duration::from_secs(1),
            chooser: Arc::new(RoundRobin::default()),
            tracks_writes: true,
        }
    }
}

impl Config {
    /// How often a replica's lag is checked.
    fn check_every(&self) -> Duration {
        (self.max_lag / 2).min(Duration::from_secs(1))
    }
}

/// Where a replica's pool comes from: opened (again, after a failure) when needed.
enum Source {
    Url(String, Settings),
    Pool(SqlxPool),
}

/// One replica.
struct Node {
    /// `replica 1`, `replica 2`, ..: in the trace, and in the chooser's numbers less one.
    name: String,
    source: Source,
    state: Mutex<NodeState>,
}

#[derive(Default)]
struct NodeState {
    pool: Option<Pool>,
    /// Skipped until then: it failed to connect.
    down_until: Option<Instant>,
    /// Skipped until its next check: it lags more than `max_lag`.
    lagging: bool,
    /// When its lag was last checked.
    checked: Option<Instant>,
    /// The latest position it said it had replayed.
    replayed: Option<Position>,
}

/// The replicas of one primary, shared by every clone of a `Db`.
pub(crate) struct Replicas {
    primary: Pool,
    nodes: Vec<Node>,
    config: Config,
    /// Where the primary's log stood, oldest first: the newest sample at least
    /// `max_lag` old, and every one since (see `lagging`).
    samples: Mutex<VecDeque<(Instant, Position)>>,
    /// The `Db`'s statement count.
    statements: Arc<AtomicU64>,
}

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
}

/// The latest write's position, or that it could not be read (then reads go to the
/// primary until a later write's position is known).
#[derive(Default)]
pub(crate) struct Seen {
    pub(super) position: Option<Position>,
    pub(super) unknown: bool,
}

/// Why a replica is refused at connect.
const MISMATCH: &str = "a replica must be a server of its primary's kind";

/// A node's name in the trace.
pub(super) const PRIMARY: &str = "primary";

impl Replicas {
    /// The replicas of `primary`: opened now where they answer (a replica that cannot
    /// be reached starts skipped, and is tried again later); a replica of another kind
    /// of server than the primary, or that refuses its credentials, is an error.
    pub(super) async fn open(
        primary: Pool,
        urls: Vec<String>,
        pools: Vec<SqlxPool>,
        settings: &Settings,
        config: Config,
        statements: Arc<AtomicU64>,
    ) -> Result<Replicas> {
        let dialect = primary.dialect();
        if dialect.replication().is_none() {
            return Err(connect_error(
                urls.first().map_or("", String::as_str),
                format!(
                    "read replicas are not supported on {}",
                    dialect.syntax().name
                ),
            ));
        }
        let mut settings = settings.clone();
        settings.connect_timeout = settings.connect_timeout.min(config.timeout);
        settings.acquire_timeout = settings.acquire_timeout.min(config.timeout);
        let sources = urls
            .into_iter()
            .map(|url| Source::Url(url, settings.clone()))
            .chain(pools.into_iter().map(Source::Pool));
        let mut nodes = Vec::new();
        for (i, source) in sources.enumerate() {
            let node = Node {
                name: format!("replica {}", i + 1),
                source,
                state: Mutex::default(),
            };
            match node.open(&primary).await {
                Ok(pool) => node.state().pool = Some(pool),
                // Another kind of server than the primary is a mistake to say now.
                Err(e @ Error::Connect { .. }) if node.mismatched(&e) => return Err(e),
                // Not reachable now: skipped, and tried again later.
                Err(_) => node.down(config.retry),
            }
            nodes.push(node);
        }
        Ok(Replicas {
            primary,
            nodes,
            config,
            samples: Mutex::default(),
            statements,
        })
    }

    /// Closes the replicas' pools.
    pub(super) async fn close(&self) {
        for node in &self.nodes {
            let pool = node.state().pool.clone();
            if let Some(pool) = pool {
                pool.close().await;
            }
        }
    }

    /// The replicas worth trying now, but those in `tried`.
    fn healthy(&self, now: Instant, tried: &[bool]) -> Vec<usize> {
        let check_every = self.config.check_every();
        (0..self.nodes.len())
            .filter(|&i| !tried[i])
            .filter(|&i| {
                let state = self.nodes[i].state();
                let up = state.down_until.is_none_or(|until| now >= until);
                let due = state
                    .checked
                    .is_none_or(|at| now.duration_since(at) >= check_every);
                up && (!state.lagging || due)
            })
            .collect()
    }

    /// Keeps where the primary's log stood at `now`.
    fn sample(&self, now: Instant, position: Position) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.push_back((now, position));
        let old = now.checked_sub(self.config.max_lag);
        while samples.len() > 1 && old.is_some_and(|old| samples[1].0 <= old) {
            samples.pop_front();
        }
    }

    /// Whether a replica at `replayed` has not reached where the primary stood
    /// `max_lag` ago.
    fn lagging(&self, now: Instant, replayed: Option<&Position>) -> bool {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let Some((at, position)) = samples.front() else {
            return false;
        };
        now.duration_since(*at) >= self.config.max_lag
            && !replayed.is_some_and(|r| r.covers(position))
    }

    /// When the primary's position was last sampled.
    fn sampled(&self) -> Option<Instant> {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.back().map(|(at, _)| *at)
    }

    /// Where the primary's log stands now, read on one of its connections.
    async fn primary_position(&self) -> Result<Option<Position>> {
        let mut link = self.primary.acquire(&self.statements).await?;
        let written = link.dialect().replication().map(|r| r.written);
        let position = read_position(&mut link, written).await?;
        if let Some(position) = &position {
            self.sample(Instant::now(), position.clone());
        }
        Ok(position)
    }
}

impl Node {
    fn state(&self) -> std::sync::MutexGuard<'_, NodeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn open(&self, primary: &Pool) -> Result<Pool> {
        let pool = match &self.source {
            Source::Url(url, settings) => Pool::connect(url, settings).await?,
            Source::Pool(pool) => Pool::borrow(pool.clone()).await?,
        };
        if pool.dialect() != primary.dialect() {
            let url = match &self.source {
                Source::Url(url, _) => url.as_str(),
                Source::Pool(_) => "",
            };
            return Err(connect_error(
                url,
                format!(
                    "{} is {}, its primary {}: {MISMATCH}",
                    self.name,
                    pool.dialect().syntax().name,
                    primary.dialect().syntax().name
                ),
            ));
        }
        let mut pool = pool;
        pool.set_trace_values(primary.trace_values());
        Ok(pool)
    }

    /// Whether `e` says the replica is another kind of server than its primary.
    fn mismatched(&self, e: &Error) -> bool {
        matches!(e, Error::Connect { message, .. } if message.ends_with(MISMATCH))
    }

    fn down(&self, retry: Duration) {
        let mut state = self.state();
        state.down_until = Some(Instant::now() + retry);
        state.replayed = None;
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "rel::replicas", replica = %self.name, "replica unreachable: skipped for {retry:?}");
    }

    /// A connection of this replica, its pool opened first where it is not.
    async fn acquire(&self, primary: &Pool, statements: &Arc<AtomicU64>) -> Result<Link<'static>> {
        let pool = self.state().pool.clone();
        let pool = match pool {
            Some(pool) => pool,
            None => {
                let pool = self.open(primary).await?;
                self.state().pool = Some(pool.clone());
                pool
            }
        };
        pool.acquire(statements).await
    }

    fn replayed_at_least(&self, position: &Position) -> bool {
        self.state()
            .replayed
            .as_ref()
            .is_some_and(|r| r.covers(position))
    }
}

/// A position a statement of `sql` (one text cell) reads; `None` where the server
/// has none.
async fn read_position(link: &mut Link<'_>, sql: Option<&'static str>) -> Result<Option<Position>> {
    let Some(sql) = sql else {
        return Ok(None);
    };
    let mut b = SqlBuilder::new(link.dialect());
    b.push(sql);
    let rows = (link as &mut dyn Executor)
        .fetch(&b.finish(), &[SqlType::Text])
        .await?;
    Ok(match rows.first().and_then(|row| row.first()) {
        Some(Value::Text(text)) => Position::reported(Some(text)),
        _ => None,
    })
}

/// What a read runs on, and with what result.
pub(super) struct Ran<O> {
    pub result: Result<O>,
    pub sent: Sent,
}

impl Routing {
    /// A routing with no writes seen, reading replicas.
    pub(super) fn new(replicas: Replicas) -> Routing {
        Routing {
            replicas: Arc::new(replicas),
            seen: Arc::default(),
            floor: None,
            primary: false,
        }
    }

    /// Notes a write that ended: the primary's position now covers it.
    pub(super) async fn wrote(&self) {
        if !self.replicas.config.tracks_writes {
            return;
        }
        // Not waited for longer than a replica would be: a primary that went down
        // right after the commit leaves the position unknown.
        let timeout = self.replicas.config.timeout;
        let position = tokio::time::timeout(timeout, self.replicas.primary_position()).await;
        let position = position.unwrap_or(Ok(None));
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match position {
            Ok(Some(position)) => {
                seen.position = Some(match &seen.position {
                    Some(before) => before.join(&position),
                    None => position,
                });
                seen.unknown = false;
            }
            // Not known: the next reads go to the primary, which has the write.
            _ => seen.unknown = true,
        }
    }

    /// The position the next read must see, or `Err(())` when only the primary has
    /// it for sure.
    fn needed(&self) -> std::result::Result<Option<Position>, ()> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
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
    pub(super) async fn read<W: Work>(&self, work: &mut W) -> Ran<W::Output> {
        let replicas = &*self.replicas;
        let mut sent = Sent::default();
        let need = match self.needed() {
            Ok(need) if !self.primary => need,
            _ => return self.on_primary(work, sent).await,
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
            let mut link = match node.acquire(&replicas.primary, &replicas.statements).await {
                Ok(link) => link,
                Err(_) => {
                    node.down(replicas.config.retry);
                    continue;
                }
            };
            match self.ready(node, &mut link, need.as_ref(), wait).await {
                Ok(true) => {}
                Ok(false) => {
                    wait = Duration::ZERO;
                    continue;
                }
                Err(_) => {
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
                    return Ran { result, sent };
                }
            }
        }
        self.on_primary(work, sent).await
    }

    async fn on_primary<W: Work>(&self, work: &mut W, mut sent: Sent) -> Ran<W::Output> {
        super::trace::node(PRIMARY);
        let replicas = &*self.replicas;
        let mut link = match replicas.primary.acquire(&replicas.statements).await {
            Ok(link) => link,
            Err(e) => {
                return Ran {
                    result: Err(e),
                    sent,
                };
            }
        };
        let (result, this) = measured(&mut link, work).await;
        sent.statements += this.statements;
        sent.rows += this.rows;
        Ran { result, sent }
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
        let deadline = Instant::now() + wait;
        loop {
            let replayed = read_position(link, replayed_sql).await?;
            let caught_up = replayed.as_ref().is_some_and(|r| r.covers(need));
            if replayed.is_some() {
                node.state().replayed = replayed;
            }
            if caught_up {
                return Ok(true);
            }
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
