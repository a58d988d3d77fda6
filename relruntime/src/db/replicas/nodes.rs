//! The replicas themselves: each one's pool (opened when needed), whether it is down or
//! lagging, and what it last said it had replayed; samples of the primary's position;
//! the chooser.

use super::super::position::Position;
use crate::driver::{Link, Pool, Settings, SqlxPool, connect_error};
use crate::model::error::Result;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
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

/// How a `Db` uses its read replicas over sqlx pools of yours
/// ([`Db::from_pools_with`](crate::Db::from_pools_with)); a `DbBuilder` sets the same with
/// its `replica_*` methods, which say what each does.
///
/// ```
/// use std::time::Duration;
/// let settings = rel::ReplicaSettings::default()
///     .wait(Duration::from_millis(300))
///     .max_lag(Duration::from_secs(2))
///     .retry(Duration::from_secs(1))
///     .timeout(Duration::from_millis(500))
///     .chooser(rel::RoundRobin::default());
/// # let _ = settings;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ReplicaSettings(pub(crate) Config);

impl ReplicaSettings {
    /// How long a read after a write waits for a replica (1 s by default); see
    /// [`DbBuilder::replica_wait`](crate::DbBuilder::replica_wait).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.0.wait = wait;
        self
    }

    /// How far behind a replica may be (10 s by default); see
    /// [`DbBuilder::replica_max_lag`](crate::DbBuilder::replica_max_lag).
    pub fn max_lag(mut self, lag: Duration) -> Self {
        self.0.max_lag = lag;
        self
    }

    /// How long a replica that failed is skipped (5 s by default); see
    /// [`DbBuilder::replica_retry`](crate::DbBuilder::replica_retry).
    pub fn retry(mut self, retry: Duration) -> Self {
        self.0.retry = retry;
        self
    }

    /// How long taking a replica's connection and checking it may take (1 s by
    /// default); see [`DbBuilder::replica_timeout`](crate::DbBuilder::replica_timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.0.timeout = timeout;
        self
    }

    /// What picks a replica for each read ([`RoundRobin`] by default).
    pub fn chooser(mut self, chooser: impl ReplicaChooser) -> Self {
        self.0.chooser = Arc::new(chooser);
        self
    }
}

/// Shows the durations.
impl std::fmt::Debug for ReplicaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaSettings")
            .field("wait", &self.0.wait)
            .field("max_lag", &self.0.max_lag)
            .field("retry", &self.0.retry)
            .field("timeout", &self.0.timeout)
            .finish_non_exhaustive()
    }
}

/// How the replicas are used: set by `DbBuilder`'s `replica_*` methods, or
/// `ReplicaSettings`.
#[derive(Clone)]
pub(crate) struct Config {
    /// How long a read after a write waits for a replica to replay it before it runs
    /// on the primary.
    pub(crate) wait: Duration,
    /// A replica that has not reached where the primary stood this long ago is skipped.
    pub(crate) max_lag: Duration,
    /// How long a replica that failed to connect is skipped before it is tried again.
    pub(crate) retry: Duration,
    /// How long opening a connection to a replica, or waiting for a free one, may take.
    pub(crate) timeout: Duration,
    pub(crate) chooser: Arc<dyn ReplicaChooser>,
    /// Reads wait for the `Db`'s own writes (off only in a test that shows what
    /// happens without it).
    pub(crate) tracks_writes: bool,
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
    pub(crate) fn check_every(&self) -> Duration {
        (self.max_lag / 2).min(Duration::from_secs(1))
    }
}

/// Where a replica's pool comes from: opened (again, after a failure) when needed.
pub(crate) enum Source {
    Url(String, Settings),
    Pool(SqlxPool),
}

/// One replica.
pub(crate) struct Node {
    /// `replica 1`, `replica 2`, ..: in the trace, and in the chooser's numbers less one.
    pub(crate) name: String,
    pub(crate) source: Source,
    pub(crate) state: Mutex<NodeState>,
}

#[derive(Default)]
pub(crate) struct NodeState {
    pub(crate) pool: Option<Pool>,
    /// Skipped until then: it failed to connect.
    pub(crate) down_until: Option<Instant>,
    /// Skipped until its next check: it lags more than `max_lag`.
    pub(crate) lagging: bool,
    /// When its lag was last checked.
    pub(crate) checked: Option<Instant>,
    /// The latest position it said it had replayed.
    pub(crate) replayed: Option<Position>,
}

/// The replicas of one primary, shared by every clone of a `Db`.
pub(crate) struct Replicas {
    pub(crate) primary: Pool,
    pub(crate) nodes: Vec<Node>,
    pub(crate) config: Config,
    /// Where the primary's log stood, oldest first: the newest sample at least
    /// `max_lag` old, and every one since (see `lagging`).
    pub(crate) samples: Mutex<VecDeque<(Instant, Position)>>,
    /// The `Db`'s statement count.
    pub(crate) statements: Arc<AtomicU64>,
}

impl Replicas {
    /// The replicas of `primary`: opened now where they answer within the replica
    /// timeout. One that does not (it is down, or refuses its credentials) starts
    /// skipped, with a `rel::replicas` warning, and is tried again later; one of another
    /// kind of server than the primary is an error.
    pub(crate) async fn open(
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
            let opened = tokio::time::timeout(config.timeout, node.open(&primary)).await;
            let opened = opened.unwrap_or_else(|_| {
                Err(connect_error("", format!("{} did not answer", node.name)))
            });
            match opened {
                Ok(pool) => {
                    // Another kind of server than the primary is a mistake to say now.
                    node.same_kind(&pool, &primary)?;
                    node.state().pool = Some(pool);
                }
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
    pub(crate) async fn close(&self) {
        for node in &self.nodes {
            let pool = node.state().pool.clone();
            if let Some(pool) = pool {
                pool.close().await;
            }
        }
    }

    /// The replicas worth trying now, but those in `tried`.
    pub(crate) fn healthy(&self, now: Instant, tried: &[bool]) -> Vec<usize> {
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
    pub(crate) fn sample(&self, now: Instant, position: Position) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.push_back((now, position));
        let old = now.checked_sub(self.config.max_lag);
        while samples.len() > 1 && old.is_some_and(|old| samples[1].0 <= old) {
            samples.pop_front();
        }
    }

    /// Whether a replica at `replayed` has not reached where the primary stood
    /// `max_lag` ago.
    pub(crate) fn lagging(&self, now: Instant, replayed: Option<&Position>) -> bool {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let Some((at, position)) = samples.front() else {
            return false;
        };
        now.duration_since(*at) >= self.config.max_lag
            && !replayed.is_some_and(|r| r.covers(position))
    }

    /// When the primary's position was last sampled.
    pub(crate) fn sampled(&self) -> Option<Instant> {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.back().map(|(at, _)| *at)
    }

    /// Where the primary's log stands now, read on one of its connections.
    pub(crate) async fn primary_position(&self) -> Result<Option<Position>> {
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
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, NodeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Its pool, opened, with the primary's trace settings and its own node name.
    pub(crate) async fn open(&self, primary: &Pool) -> Result<Pool> {
        let mut pool = match &self.source {
            Source::Url(url, settings) => Pool::connect(url, settings).await?,
            Source::Pool(pool) => Pool::borrow(pool.clone()).await?,
        };
        pool.set_trace_values(primary.trace_values());
        pool.set_node(&self.name);
        Ok(pool)
    }

    /// An error unless `pool` speaks the primary's dialect: a replica replays its
    /// primary.
    pub(crate) fn same_kind(&self, pool: &Pool, primary: &Pool) -> Result<()> {
        if pool.dialect() != primary.dialect() {
            let url = match &self.source {
                Source::Url(url, _) => url.as_str(),
                Source::Pool(_) => "",
            };
            return Err(connect_error(
                url,
                format!(
                    "{} is {}, its primary {}: a replica must be a server of its \
                     primary's kind",
                    self.name,
                    pool.dialect().syntax().name,
                    primary.dialect().syntax().name
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn down(&self, retry: Duration) {
        let mut state = self.state();
        let now = Instant::now();
        // A retry too long to add is a replica skipped for good (a day is as long).
        state.down_until = Some(
            now.checked_add(retry)
                .unwrap_or_else(|| now + Duration::from_secs(86_400)),
        );
        state.replayed = None;
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "rel::replicas", replica = %self.name, "replica unreachable: skipped for {retry:?}");
    }

    /// A connection of this replica, its pool opened first where it is not.
    pub(crate) async fn acquire(
        &self,
        primary: &Pool,
        statements: &Arc<AtomicU64>,
    ) -> Result<Link<'static>> {
        let pool = self.state().pool.clone();
        let pool = match pool {
            Some(pool) => pool,
            None => {
                let pool = self.open(primary).await?;
                self.same_kind(&pool, primary)?;
                self.state().pool = Some(pool.clone());
                pool
            }
        };
        pool.acquire(statements).await
    }

    pub(crate) fn replayed_at_least(&self, position: &Position) -> bool {
        self.state()
            .replayed
            .as_ref()
            .is_some_and(|r| r.covers(position))
    }
}

/// A position a statement of `sql` (one text cell) reads; `None` where the server
/// has none.
pub(crate) async fn read_position(
    link: &mut Link<'_>,
    sql: Option<&'static str>,
) -> Result<Option<Position>> {
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
