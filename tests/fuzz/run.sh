#!/usr/bin/env bash
# run.sh FUZZER SEEDS [SECONDS]: run one libFuzzer program (built with
# -Dfuzz=enabled) for SECONDS (default 10) from the seed corpus SEEDS,
# whose files are not changed (new inputs go to a temporary directory).
# Prints TAP: "ok" when nothing was found; else "not ok", the end of the
# fuzzer's log, and the crashing input kept as ./fuzz-crash-NAME-*.
#   tests/fuzz/run.sh build-fuzz/tests/fuzz/fuzz_der tests/fuzz/corpus/der 3600
set -uo pipefail
exe=$1 seeds=$2 secs=${3:-10}
name=$(basename "$exe")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..1"
mkdir "$work/new"
if "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" -print_final_stats=1 \
    "$work/new" "$seeds" </dev/null >"$work/log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$work/log" | head -n1)
    echo "ok 1 - $name: ${runs#Done } in ${secs} s, nothing found"
    exit 0
fi
echo "not ok 1 - $name found a crash, a leak or a time-out"
tail -n 40 "$work/log" | sed 's/^/# /'
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$f" ] && cp "$f" "./fuzz-crash-$name-$(basename "$f")" &&
        echo "# input kept as ./fuzz-crash-$name-$(basename "$f")"
done
exit 1
