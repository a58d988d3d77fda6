#!/usr/bin/env bash
# Peak resident memory (KB, from /usr/bin/time -f %M) of ONE load by each variant, on
# SQLite and on the servers of REL_POSTGRES_URL / REL_MYSQL_URL when they are set, and
# its ratio to hand-written sqlx's. Each load is a process of its own (peers-rss); the
# data is seeded beforehand in a separate process, so seeding does not count.
#
#   peers/rss.sh [N]      N users (default 10000; 61 rows per user)
set -euo pipefail

n=${1:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release -q -p peers --bin peers-rss
bin=${CARGO_TARGET_DIR:-$root/target}/release/peers-rss
[ -x /usr/bin/time ] || { echo "rss.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite_file=$work/peers_rss.db

backends=(sqlite)
[ -n "${REL_POSTGRES_URL:-}" ] && backends+=(postgres)
[ -n "${REL_MYSQL_URL:-}" ] && backends+=(mysql)

printf '%-9s %-10s %12s %9s  %s\n' backend variant "max RSS KB" "/ sqlx" result
for backend in "${backends[@]}"; do
    "$bin" seed "$backend" "$n" "$sqlite_file" >/dev/null
    base=
    for variant in sqlx rel-auto rel-join rel-batch diesel seaorm; do
        [ "$backend" = mysql ] && [ "$variant" = diesel ] && continue
        status=0
        out=$(/usr/bin/time -f 'maxrss %M' -o "$work/time" \
            "$bin" load "$backend" "$variant" "$n" "$sqlite_file") || status=$?
        rss=$(awk '/^maxrss/ {print $2}' "$work/time")
        case $status in
            0) result=ok ;;
            2) result=${out#*: } ;;   # "failed: <error>"
            *) result="checksum mismatch or error (exit $status): $out" ;;
        esac
        if [ "$variant" = sqlx ] && [ $status -eq 0 ]; then base=$rss; fi
        if [ $status -eq 0 ] && [ -n "$base" ]; then
            ratio=$(awk -v a="$rss" -v b="$base" 'BEGIN {printf "%.2fx", a / b}')
        else
            ratio=-
        fi
        printf '%-9s %-10s %12s %9s  %s\n' "$backend" "$variant" "$rss" "$ratio" "$result"
    done
done
