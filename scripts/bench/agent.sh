#!/usr/bin/env bash
# The slim agent (cmd/sovbench-agent), built as it ships (static, stripped,
# as scripts/demo builds it), against the sovbench CLI acting as agent and a
# Go hello-world built the same way, in the same run: file size, and CPU
# time (user + system, from the child's rusage) to start, run an empty plan
# ("agent --stdio", what a runner starts on every host for every run) and
# exit. Targets: ≤ 15 MB and ≤ 12 ms of CPU. "agent-version" is the same
# binary printing its version: start-up and package init without a plan,
# so the two agent lines split the start from the empty plan. The runs are
# interleaved (scripts/bench/startcpu), so that other work on a shared
# machine weighs on all of them alike; compare each to the hello-world of the
# same run. "faults" is the median of minor page faults per start: on a VM a
# page's first touch costs about 12 µs of CPU (internal/startup).
#
# Usage: scripts/bench/agent.sh [runs of each, default 200]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
runs=${1:-200}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
build() { CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$dir/$1" "$2"; }
build sovbench-agent ./cmd/sovbench-agent
build sovbench ./cmd/sovbench
mkdir -p "$dir/hello" && cat >"$dir/hello/main.go" <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello") }
GO
(cd "$dir/hello" && go mod init hello >/dev/null 2>&1 && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$dir/hello-world" .)
echo '{"target":{"name":"h","kind":"local"},"concurrency":1,"steps":[]}' >"$dir/plan.json"

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
go run ./scripts/bench/startcpu -runs "$runs" -stdin "$dir/plan.json" -- \
  hello-world="$dir/hello-world" -- \
  sovbench-agent="$dir/sovbench-agent" agent --stdio -- \
  agent-version="$dir/sovbench-agent" version -- \
  sovbench="$dir/sovbench" agent --stdio
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
