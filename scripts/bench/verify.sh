#!/usr/bin/env bash
# Benchmarks signed-report verification on one core (GOMAXPROCS=1, pinned to
# CPU 0 when taskset exists): envelope parse, signature (Ed25519 and ECDSA
# P-256), statement decode, subject digests, TPM nonce binding (host+tpm
# cases) and every verdict re-evaluated from the evidence; and
# BenchmarkVerifyDemoReport, a real demo report (host + swtpm evidence,
# verify/testdata/demo). Targets: ≥ 1000 reports/s, ≥ 2000 reports/cpu-s on
# the demo report (#18). reports/s is wall time; reports/cpu-s is the process's CPU time,
# which stays meaningful when other work shares the core.
#
# Usage: scripts/bench/verify.sh [benchtime, default 3s]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
benchtime=${1:-3s}
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -c -o /tmp/sovbench-verify.test ./verify
cd verify
GOMAXPROCS=1 "${pin[@]}" /tmp/sovbench-verify.test -test.run '^$' -test.bench 'BenchmarkVerify' \
  -test.benchtime="$benchtime" -test.cpu 1 -test.benchmem | grep -E '^Benchmark'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
