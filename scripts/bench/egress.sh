#!/usr/bin/env bash
# Benchmarks the egress probe against nmap on 10 000 destinations inside a
# network namespace the benchmark creates (127.0.0.0/8 of that namespace:
# 80 addresses × 100 ports with 30 open and 70 closed, plus 20 addresses
# blackholed by an nftables drop rule). The same run times nmap -sT -Pn on
# the same targets and compares every destination's open/closed/filtered state.
#
# Reports: ours-s, nmap-s, wall-ratio (target ≤ 0.5), ours-MB and nmap-MB
# (peak RSS; target ours ≤ nmap's, issue 16), disagreements (target 0).
# "ours" is the slim agent (sovbench-agent --stdio, what runs on hosts)
# running a plan of one egress step with 1024 attempts in flight, each
# address with its ports as nmap is given them (ports: "20001,...");
# ours-list-s, ours-list-MB and list-disagreements are the same sweep
# declared as 10 000 destinations, one per address and port.
# agent-idle-MB is its peak RSS on an empty plan (the binary's own floor).
# Needs root (network namespaces); no packet leaves the namespace.
#
# Usage: scripts/bench/egress.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
if [ "$(id -u)" != 0 ]; then
  echo "egress.sh: needs root (network namespaces)" >&2
  exit 1
fi
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg), $(nmap --version | head -1)"
go test -count=1 -run '^$' -bench 'BenchmarkEgressVsNmap' -benchtime=1x -v ./probes/egress |
  grep -E '^Benchmark|bench_test.go|FAIL|ok'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
