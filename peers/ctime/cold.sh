#!/usr/bin/env bash
# A cold `cargo build` (empty target folder) of hello-world on Rel with SQLite against
# the same program on sqlx alone (`hello/`), alternating, 3 each (issue 27, item 6):
# prints each time, the medians and their ratio. Offline, with the versions of the
# workspace's Cargo.lock, so that both build the same sqlx and tokio.
# With `registry`, Rel's four crates are built as cargo builds a registry dependency,
# not incrementally (cargo builds a path dependency incrementally, which costs
# relruntime about 1.5 s more): how a user who takes Rel from crates.io builds it.
#   peers/ctime/cold.sh [registry] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
registry=
if [ "${1:-}" = registry ]; then
    registry=1
    shift
fi
out=${1:-/tmp/rel-cold}
rm -rf "$out"
mkdir -p "$out"
cp -r "$here/hello/rel" "$here/hello/sqlx" "$out/"
sed "s|@REPO@|$repo|" "$out/rel/Cargo.toml.in" > "$out/rel/Cargo.toml"
rm "$out/rel/Cargo.toml.in"
if [ -n "$registry" ]; then
    for crate in rel relcore relruntime relmacros; do
        printf '[profile.dev.package.%s]\nincremental = false\n' "$crate" >> "$out/rel/Cargo.toml"
    done
fi
for kind in rel sqlx; do
    cp "$repo/Cargo.lock" "$out/$kind/Cargo.lock"
    # Fails here, not in the timed builds, when a crate is missing.
    (cd "$out/$kind" && cargo fetch --offline -q)
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$out/times.rel"; : > "$out/times.sqlx"
for round in 1 2 3; do
    for kind in sqlx rel; do
        rm -rf "$out/$kind/target"
        t0=$(date +%s.%N)
        (cd "$out/$kind" && cargo build --offline -q)
        t=$(echo "$(date +%s.%N) - $t0" | bc)
        echo "round $round, $kind: ${t}s"
        echo "$t" >> "$out/times.$kind"
    done
done
r=$(median < "$out/times.rel"); s=$(median < "$out/times.sqlx")
echo "cold build medians: Rel ${r}s, sqlx alone ${s}s, ratio $(echo "scale=3; $r / $s" | bc)"
"$out/rel/target/debug/hello_rel"
"$out/sqlx/target/debug/hello_sqlx"
