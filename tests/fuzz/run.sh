#!/usr/bin/env bash
# Fuzz both front ends for SECONDS each (default 30): the short run of .ci/run; see fuzz_*.py for long runs.
# New inputs go to a temporary corpus; the committed seeds are only read. A crash fails the run and
# leaves its input under tests/fuzz/regressions/<target>/ (commit it: test_regressions.py replays it).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
py="${PYTHON:-../../.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in json terraform; do
  mkdir -p "$work/$target" "regressions/$target"
  echo "fuzzing the $target front end for ${seconds}s"
  rc=0
  "$py" "fuzz_$target.py" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
    -artifact_prefix="regressions/$target/" -print_final_stats=1 "$work/$target" "corpus/$target" \
    > "$work/$target.log" 2>&1 || rc=$?
  grep -E "stat::number_of_executed_units|ERROR|Traceback|Error" "$work/$target.log" || true
  if [ "$rc" -ne 0 ]; then
    tail -40 "$work/$target.log"
    echo "fuzzing the $target front end found a crash (exit $rc): see regressions/$target/" >&2
    exit 1
  fi
done
