#!/usr/bin/env bash
# Benchmarks latency and location:
#  1. the geolocation solver: one solve against 200 landmarks (target ≤ 20 ms)
#     and relating the region to two countries;
#  2. the rtt probe's accuracy in the lab: TCP, UDP and ICMP medians against
#     the emulated round trip (target within 2 % + 100 µs) and iputils ping's
#     median on the same paths in the same run (target: no worse than ping).
#
# Part 2 needs root (network namespaces); traffic stays inside the lab's
# namespaces (198.18.0.0/15, fd5b::/16). SOVBENCH_TEST_AGENT may name a
# prebuilt sovbench binary for the agent; otherwise the tree is built.
#
# Usage: scripts/bench/latency.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -count=1 -run '^$' -bench 'BenchmarkSolve200|BenchmarkRelateCountry' -benchtime=2s ./geo | grep -E '^Benchmark'
if [ "$(id -u)" != 0 ]; then
  echo "latency.sh: the lab accuracy benchmark needs root (network namespaces)" >&2
  exit 1
fi
go test -count=1 -run '^$' -bench 'BenchmarkRTTAccuracy' -benchtime=1x -v ./lab |
  grep -E '^Benchmark|suite_location_bench_test|FAIL|ok'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
