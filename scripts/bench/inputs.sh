#!/usr/bin/env bash
# Measures how sovbench meets hostile inputs (#23): wall time and peak memory
# of `run /dev/zero` (target: a clear error within 1 s, bounded memory), of a
# read of a FIFO ended by SIGTERM, and of `compare` on a results folder beside
# a 200 MB (sparse) non-report. Each case is run 5 times; the worst is shown.
#
# Usage: scripts/bench/inputs.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sovbench" ./cmd/sovbench
sb="$tmp/sovbench"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
# worst NAME CMD...: runs CMD 5 times under /usr/bin/time, prints the worst
# wall time and peak RSS with the last exit code.
worst() {
  local name=$1; shift
  local s=0 m=0 rc=0 line
  for _ in 1 2 3 4 5; do
    rc=0
    /usr/bin/time -o "$tmp/time" -f '%e %M' "$@" >/dev/null 2>"$tmp/err" || rc=$?
    read -r e k < <(tail -n1 "$tmp/time")
    s=$(awk -v a="$s" -v b="$e" 'BEGIN{print (b>a)?b:a}')
    m=$(( k > m ? k : m ))
  done
  printf '%-36s worst %5ss  peak RSS %6d KiB  exit %d: %s\n' "$name" "$s" "$m" "$rc" "$(head -c 100 "$tmp/err" | head -n1)"
}
worst "run /dev/zero" "$sb" run --results-dir "$tmp/res" /dev/zero
# A FIFO a writer holds open but never writes: the read blocks until SIGTERM.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
worst "run FIFO, SIGTERM after 0.2 s" timeout --preserve-status -s TERM 0.2 "$sb" run --results-dir "$tmp/res" "$tmp/fifo"
exec 3>&-
# A results folder: the test reports, beside a 200 MB file that is no report.
cp -r results/testdata/reports "$tmp/r"
truncate -s 200M "$tmp/r/S3NS/huge.json"
worst "compare DIR beside a 200 MB file" "$sb" compare -o csv "$tmp/r"
worst "index list beside a 200 MB file" "$sb" index list -o csv --results-dir "$tmp/r"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
