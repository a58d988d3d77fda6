//! Timing shared by the benches.

use std::time::{Duration, Instant};

/// Runs `timed` `iters` times, each followed by one untimed run of `other`, and
/// returns the time `timed` took: every variant runs under the same conditions (heap
/// state, server caches), and drift between criterion's blocks of samples does not
/// land on one side of a ratio.
pub async fn alternate<A, B, FA, FB>(iters: u64, mut timed: FA, mut other: FB) -> Duration
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        std::hint::black_box(timed().await);
        total += start.elapsed();
        std::hint::black_box(other().await);
    }
    total
}
