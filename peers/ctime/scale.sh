#!/usr/bin/env bash
# Times Rel's crate of two schemas alternately, `cargo check` then a debug build, 7
# each (CARGO_INCREMENTAL=0, dependencies built beforehand), and prints the medians and
# their ratio: whether the compile time grows faster than the schema (issue 27, item 6:
# 200 tables at most 4x the time of 50).
#   peers/ctime/gen.py /tmp/c50 50 uniform && peers/ctime/gen.py /tmp/c200 200 uniform
#   peers/ctime/scale.sh /tmp/c50 /tmp/c200
set -euo pipefail
small=$1
large=$2
export CARGO_INCREMENTAL=0
for dir in "$small" "$large"; do
    (cd "$dir/rel" && cargo check -q && cargo build -q)
done
source "$(dirname "$0")/common.sh"
for cmd in check build; do
    : > "$small/$cmd.times"; : > "$large/$cmd.times"
    for _ in 1 2 3 4 5 6 7; do
        time_in "$small/rel" "$cmd" >> "$small/$cmd.times"
        time_in "$large/rel" "$cmd" >> "$large/$cmd.times"
    done
    s=$(median < "$small/$cmd.times"); l=$(median < "$large/$cmd.times")
    echo "cargo $cmd: ${s}s and ${l}s, ratio $(echo "scale=2; $l / $s" | bc)"
done
