#!/usr/bin/env bash
# Benchmarks the lab's distance-emulating forwarder (lab/netem):
# per configured one-way delay (0, 0.5, 1, 5, 20, 50, 150 ms) the forwarder's
# own lateness (fwd-p50/p99-µs), the end-to-end UDP one-way delay error
# (udp1w-p50/p99-µs; link1w from the sender TUN device's transmit timestamp,
# leaving out the sending program's scheduling), the TCP connect round-trip error against 2×delay
# (tcprtt-p50/p99-µs) and CPU use; then packets per second through it.
# Each run happens with normal scheduling and with Config.Realtime.
#
# Needs root (network namespaces, TUN). Traffic stays inside namespaces the
# benchmark creates (198.18.0.0/15, fd5b::/16).
#
# Usage: scripts/bench/netem.sh [probes per delay, default 2000] [flood size, default 200000]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
probes=${1:-2000}
flood=${2:-200000}
if [ "$(id -u)" != 0 ]; then
  echo "netem.sh: needs root (network namespaces and TUN devices)" >&2
  exit 1
fi
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for rt in 0 50; do
  echo "## Config.Realtime=$rt"
  go test -count=1 -run '^$' -bench 'BenchmarkDelay' -benchtime="${probes}x" \
    ./lab/netem -args -netem.realtime="$rt" | grep -E '^Benchmark|drops'
  go test -count=1 -run '^$' -bench 'BenchmarkThroughput' -benchtime="${flood}x" \
    ./lab/netem -args -netem.realtime="$rt" | grep -E '^Benchmark'
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
