//! The `Db` methods of read replicas: building a `Db` over pools with replicas, and
//! the handles that say where its reads go (`primary`, `after`, `session`).

use super::super::database::Db;
use super::super::position::Position;
use super::{Config, ReplicaSettings, Replicas, Routing};
use crate::driver::{Settings, SqlxPool};
use crate::model::error::Result;
use std::sync::Arc;

impl Db {
    /// A `Db` over sqlx pools of yours: writes, transactions and Emulated mode's checks
    /// on `primary`, reads on `replicas` (PostgreSQL streaming replicas, or MariaDB
    /// replicas), with the default replica settings of [`DbBuilder`](crate::DbBuilder); see
    /// [`DbBuilder::replica`](crate::DbBuilder::replica) for what runs where. A replica that cannot be reached now
    /// is skipped, and tried again later.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// let primary = sqlx::PgPool::connect("postgres://app@primary/app").await?;
    /// let replica = sqlx::PgPool::connect_lazy("postgres://app@replica/app")?;
    /// let db = rel::Db::from_pools(primary, [replica]).await?;
    /// # let _ = db;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_pools<P: Into<SqlxPool>>(
        primary: P,
        replicas: impl IntoIterator<Item = P>,
    ) -> Result<Db> {
        Db::from_pools_with(primary, replicas, ReplicaSettings::default()).await
    }

    /// [`Db::from_pools`], with the replicas used as `settings` say.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let primary = sqlx::MySqlPool::connect("mysql://app@primary/app").await?;
    /// let replica = sqlx::MySqlPool::connect_lazy("mysql://app@replica/app")?;
    /// let settings = rel::ReplicaSettings::default().wait(Duration::from_millis(200));
    /// let db = rel::Db::from_pools_with(primary, [replica], settings).await?;
    /// # let _ = db;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_pools_with<P: Into<SqlxPool>>(
        primary: P,
        replicas: impl IntoIterator<Item = P>,
        settings: ReplicaSettings,
    ) -> Result<Db> {
        let mut db = Db::from_pool(primary).await?;
        let pools: Vec<SqlxPool> = replicas.into_iter().map(Into::into).collect();
        if !pools.is_empty() {
            db.attach_replicas(Vec::new(), pools, &Settings::default(), settings.0)
                .await?;
        }
        Ok(db)
    }

    /// Opens the replicas of this `Db`'s pool and routes its reads to them.
    pub(in crate::db) async fn attach_replicas(
        &mut self,
        urls: Vec<String>,
        pools: Vec<SqlxPool>,
        settings: &Settings,
        config: Config,
    ) -> Result<()> {
        self.pool.set_node(super::PRIMARY);
        let replicas = Replicas::open(
            self.pool.clone(),
            urls,
            pools,
            settings,
            config,
            self.statements.clone(),
        )
        .await?;
        self.routing = Some(Routing::new(replicas));
        Ok(())
    }

    /// This `Db`, reading from its primary: for a read that must see the newest data
    /// whatever was written by whom. Without replicas it is the `Db` itself.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// let fresh = db.primary();
    /// assert!(!fresh.has_replicas());
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn primary(&self) -> Db {
        let mut db = self.clone();
        if let Some(routing) = &mut db.routing {
            routing.primary = true;
        }
        db
    }

    /// Whether this `Db` reads from replicas.
    pub fn has_replicas(&self) -> bool {
        self.routing.is_some()
    }

    /// Where the primary's log stood after the latest write through this `Db` (or its
    /// clones): pass it to a later request (in a cookie, say), whose reads through
    /// [`Db::after`] then see that write. `None` before any write, and without
    /// replicas. Where a write's position could not be read, it asks the primary (one
    /// statement), and fails as the primary does.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// assert_eq!(db.position().await?, None);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn position(&self) -> Result<Option<Position>> {
        match &self.routing {
            Some(routing) => routing.position().await,
            None => Ok(None),
        }
    }

    /// This `Db`, whose reads see at least `position` (from [`Db::position`], perhaps
    /// of another process): each waits for a replica that has replayed it, or runs
    /// on the primary. A position of another engine than the primary's (an LSN on
    /// MariaDB, say) sends every read to the primary. Without replicas it is the `Db`
    /// itself.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// let token: rel::Position = "0/16B3748".parse()?;
    /// let db = db.after(&token);
    /// # let _ = db;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn after(&self, position: &Position) -> Db {
        let mut db = self.clone();
        let form = self.dialect().replication().map(|r| r.form);
        if let Some(routing) = &mut db.routing {
            if form != Some(position.form()) {
                // Not this engine's: no replica can be known to have it.
                routing.floor_unreadable = true;
                return db;
            }
            routing.floor = Some(match &routing.floor {
                Some(floor) => floor.join(position),
                None => position.clone(),
            });
        }
        db
    }

    /// This `Db`, keeping its own writes' position apart from its other clones': the
    /// reads of a session then wait only for the session's writes (and the clones'
    /// reads not for them). Without replicas it is the `Db` itself.
    #[must_use]
    pub fn session(&self) -> Db {
        let mut db = self.clone();
        if let Some(routing) = &mut db.routing {
            routing.seen = Arc::default();
        }
        db
    }
}
