#!/usr/bin/env bash
# Time a full `cargo check` and a full debug build of the crate only (dependencies
# built once beforehand), for the plain structs and for Rel's, alternating, 5 each,
# CARGO_INCREMENTAL=0, and print the medians and what Rel adds.
#   peers/ctime/gen.py /tmp/ctime && peers/ctime/measure.sh /tmp/ctime
set -euo pipefail
dir=$1
export CARGO_INCREMENTAL=0
for kind in plain rel; do
    (cd "$dir/$kind" && cargo check -q && cargo build -q)
done
source "$(dirname "$0")/common.sh"
for cmd in check build; do
    : > "$dir/$cmd.plain"; : > "$dir/$cmd.rel"
    for _ in 1 2 3 4 5; do
        time_in "$dir/plain" "$cmd" >> "$dir/$cmd.plain"
        time_in "$dir/rel" "$cmd" >> "$dir/$cmd.rel"
    done
    p=$(median < "$dir/$cmd.plain"); r=$(median < "$dir/$cmd.rel")
    echo "cargo $cmd: plain ${p}s, rel ${r}s, added $(echo "$r - $p" | bc)s"
done
