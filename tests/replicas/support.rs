//! What tests/replicas.rs needs beside its scenarios: a tracing layer that records
//! each operation's node, and a TCP proxy that plays a replica going down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Each operation span in the order they opened: its id, op, the node it recorded,
/// and the node each of its statement events named.
#[derive(Default)]
struct Nodes(Mutex<Vec<Span>>);

/// A span's id, op, node, and its statements' nodes.
type Span = (u64, String, String, Vec<String>);

struct Recorder(Arc<Nodes>);

struct Visitor<'a>(&'a mut HashMap<String, String>);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().target() != "rel" {
            return;
        }
        let mut fields = HashMap::new();
        attrs.record(&mut Visitor(&mut fields));
        let op = fields.get("op").cloned().unwrap_or_default();
        self.0
            .0
            .lock()
            .unwrap()
            .push((id.into_u64(), op, String::new(), Vec::new()));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "rel::statement" {
            return;
        }
        let mut fields = HashMap::new();
        event.record(&mut Visitor(&mut fields));
        let node = fields.remove("node").unwrap_or_default();
        // The operation span the statement was sent in (a span of the test's, such as
        // `with_subscriber`'s, may sit between).
        let Some(scope) = ctx.event_scope(event) else {
            return;
        };
        let ids: Vec<u64> = scope.map(|span| span.id().into_u64()).collect();
        let mut nodes = self.0.0.lock().unwrap();
        if let Some(entry) = nodes.iter_mut().rev().find(|e| ids.contains(&e.0)) {
            entry.3.push(node);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut fields = HashMap::new();
        values.record(&mut Visitor(&mut fields));
        if let Some(node) = fields.remove("node") {
            let mut nodes = self.0.0.lock().unwrap();
            if let Some(entry) = nodes.iter_mut().rev().find(|e| e.0 == id.into_u64()) {
                entry.2 = node;
            }
        }
    }
}

/// Runs `work` with a recording subscriber: its output, and the node of each of its
/// operations whose op is not "update" (`settle`'s empty update), in order.
pub async fn traced_nodes<T>(work: impl std::future::Future<Output = T>) -> (T, Vec<String>) {
    let (out, ops) = traced(work).await;
    (out, ops.into_iter().map(|(_, node)| node).collect())
}

/// Runs `work` with a recording subscriber: its output, and each operation's op and
/// node, in order.
pub async fn traced<T>(work: impl std::future::Future<Output = T>) -> (T, Vec<(String, String)>) {
    let (out, ops) = traced_statements(work).await;
    (
        out,
        ops.into_iter().map(|(op, node, _)| (op, node)).collect(),
    )
}

/// Runs `work` with a recording subscriber: its output, and each operation's op, node,
/// and the node each of its statements named, in order.
pub async fn traced_statements<T>(
    work: impl std::future::Future<Output = T>,
) -> (T, Vec<(String, String, Vec<String>)>) {
    use tracing::instrument::WithSubscriber;
    let nodes = Arc::new(Nodes::default());
    let subscriber = tracing_subscriber::registry().with(Recorder(nodes.clone()));
    let out = work.with_subscriber(subscriber).await;
    let ops = nodes
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, op, node, statements)| (op.clone(), node.clone(), statements.clone()))
        .collect();
    (out, ops)
}

/// A TCP proxy of the test's in front of a replica, which can stop (refusing
/// connections and cutting those open) and start again on the same port.
pub struct Proxy {
    port: u16,
    target: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    pub async fn new(target: &str) -> Proxy {
        let mut proxy = Proxy {
            port: 0,
            target: target.to_owned(),
            task: None,
        };
        proxy.start().await;
        proxy
    }

    pub async fn start(&mut self) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(format!("127.0.0.1:{}", self.port).parse().unwrap())
            .unwrap();
        let listener = socket.listen(64).unwrap();
        self.port = listener.local_addr().unwrap().port();
        let target = self.target.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let target = target.clone();
                conns.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
            // Dropping the task drops the JoinSet, which aborts every connection.
        }));
    }

    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (userinfo, rest) = rest.rsplit_once('@').unwrap();
        let (_, path) = rest.split_once('/').unwrap();
        format!("{scheme}://{userinfo}@127.0.0.1:{}/{path}", self.port)
    }
}

/// `host:port` of a URL.
pub fn address(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split_once('/').unwrap().0.to_owned()
}
