#!/usr/bin/env bash
# Benchmarks the verifier service ("sovbench serve") over loopback TLS: per
# operation one nonce and one submission of a real host-probe evidence body
# from 8 enrolled agents at once — decode, nonce check, claim evaluation,
# DSSE signing, report write with fsync and the store's writes (run index,
# latest run), once with the SQLite store (WAL) and once with PostgreSQL (a
# throwaway local server, fsync on; under root it runs as user sovbench-pg).
# Target: ≥ 200 submissions/s with each. submissions/cpu-s counts the CPU time of the
# whole process (agents, TLS both ends, verifier), which stays meaningful when
# other work shares the cores. Loopback only.
#
# Usage: scripts/bench/serve.sh [benchtime, default 5s]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
benchtime=${1:-5s}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -c -o /tmp/sovbench-fleet.test ./fleet
cd fleet
/tmp/sovbench-fleet.test -test.run '^$' -test.bench 'BenchmarkSubmit' \
  -test.benchtime="$benchtime" -test.benchmem | grep -E '^Benchmark'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
