//! Rel's `tracing` output: each operation (a query, a load, a write) is a span, and
//! each statement it sends is an event inside it (see `conn::Runner`).
//!
//! Without the `tracing` cargo feature the span is nothing and the operation runs as
//! it is.

use crate::model::error::Result;
use std::future::Future;

/// One operation of the facade, about to run.
pub(super) struct Operation {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    start: std::time::Instant,
}

impl Operation {
    /// An operation named `op` (`"all"`, `"insert"`, ..) on `table`, run by `strategy`
    /// (a query's: `"join"`, `"batch"`, or `"single"` when it loads no relation; a
    /// write's relation mode).
    pub(super) fn new(op: &'static str, table: &'static str, strategy: &'static str) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = (op, table, strategy);
        Operation {
            #[cfg(feature = "tracing")]
            span: tracing::debug_span!(
                target: "rel",
                "rel",
                op,
                table,
                strategy,
                node = tracing::field::Empty,
                statements = tracing::field::Empty,
                rows = tracing::field::Empty,
                elapsed_us = tracing::field::Empty,
                error = tracing::field::Empty,
            ),
            #[cfg(feature = "tracing")]
            start: std::time::Instant::now(),
        }
    }

    /// Runs `work` (which returns its result and how many statements it sent) inside
    /// the span, then records the statement count, the rows `rows` counts in the
    /// result, the elapsed time and any error.
    pub(super) async fn run<R>(
        self,
        work: impl Future<Output = (Result<R>, u64)>,
        rows: impl FnOnce(&R) -> u64,
    ) -> Result<R> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let (result, sent) = work.instrument(self.span.clone()).await;
            self.record(sent, result.as_ref().map(rows));
            result
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = rows;
            work.await.0
        }
    }

    /// Records how the operation ended: its statements, elapsed time, and its rows or
    /// error. Not generic, so compiled once (ARCHITECTURE.md, "Compiled once").
    #[cfg(feature = "tracing")]
    fn record(&self, sent: u64, outcome: std::result::Result<u64, &crate::model::error::Error>) {
        let span = &self.span;
        span.record("statements", sent);
        span.record("elapsed_us", self.start.elapsed().as_micros() as u64);
        match outcome {
            Ok(rows) => span.record("rows", rows),
            // The whole chain: the typed error's message leaves the database's to its
            // source.
            Err(e) => span.record("error", chain(e).as_str()),
        };
    }
}

/// Names the node the current operation runs on (`primary`, `replica 1`, ..), on a
/// `Db` with read replicas.
pub(super) fn node(name: &str) {
    #[cfg(feature = "tracing")]
    tracing::Span::current().record("node", name);
    #[cfg(not(feature = "tracing"))]
    let _ = name;
}

/// An error and each of its sources, as a chain printer shows them: `a: b: c`.
#[cfg(feature = "tracing")]
fn chain(e: &crate::model::error::Error) -> String {
    let mut text = e.to_string();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// Says, when a `Db` is told a schema, which of its relations are query-only
/// (`constraint = none`): no foreign key is behind them, and neither the database nor
/// Rel enforces them. One `rel::schema` event each, so the choice is visible.
pub(super) fn query_only_relations(schema: &crate::model::schema::Schema) {
    #[cfg(feature = "tracing")]
    for table in schema.tables() {
        for rel in table
            .relations
            .iter()
            .filter(|r| r.constraint == crate::model::meta::Constraint::QueryOnly)
        {
            tracing::info!(
                target: "rel::schema",
                table = table.name,
                relation = rel.name,
                "query-only relation: no constraint behind it, enforced by nothing"
            );
        }
    }
    #[cfg(not(feature = "tracing"))]
    let _ = schema;
}
