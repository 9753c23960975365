#!/usr/bin/env bash
# Benchmarks the verifier service ("sovbench serve") over loopback TLS, with
# the SQLite store (WAL) and with PostgreSQL (a throwaway local server, fsync
# on; under root it runs as user sovbench-pg). Loopback only.
#
#   scripts/bench/serve.sh [benchtime]   BenchmarkSubmit: per operation one
#       nonce and one submission of a real host-probe evidence body from 8
#       enrolled agents at once — decode, nonce check, claim evaluation, DSSE
#       signing, report write with fsync and the store's writes (run index,
#       latest run). Default benchtime 5s. Target: ≥ 200 submissions/s.
#   scripts/bench/serve.sh load [N]      BenchmarkFleetLoad: 1 000 agents,
#       each with its own token and TLS connection, enrol and fetch their
#       plan, then N (default 3000) nonce + submit rounds, 64 at a time.
#       Target: ≥ 1 000 submissions/s with either store. Set
#       SOVBENCH_LOAD_CPUPROFILE=FILE to profile the submission phase.
#
# submissions/cpu-s counts the CPU time of the whole process (agents, TLS
# both ends, verifier; plus the PostgreSQL server's), which stays meaningful
# when other work shares the cores; the load average before and after is
# printed beside the numbers, which mean little above the core count.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
bench=BenchmarkSubmit benchtime=${1:-5s}
if [[ ${1:-} == load ]]; then
  bench=BenchmarkFleetLoad benchtime=${2:-3000}x
fi
go test -c -o /tmp/sovbench-fleet.test ./fleet
cd fleet
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
/tmp/sovbench-fleet.test -test.run '^$' -test.bench "$bench" \
  -test.benchtime="$benchtime" -test.benchmem | grep -E '^Benchmark'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
