# Shared by measure.sh and scale.sh: source it.
# time_in CRATE_DIR SUBCOMMAND: the wall time of `cargo SUBCOMMAND` of that crate alone,
# after touching its source (dependencies built beforehand).
time_in() {
    (
        cd "$1"
        touch src/lib.rs
        t0=$(date +%s.%N)
        cargo "$2" -q
        echo "$(date +%s.%N) - $t0" | bc
    )
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
