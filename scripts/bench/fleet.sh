#!/usr/bin/env bash
# Fleet fan-out: 50 lab hosts with real sshd, against one host, same run.
# Prints the cold run (agent copied to every host) and warm runs of 1 and 50.
set -euo pipefail
cd "$(dirname "$0")/../.."
CI=true go test -count=1 -v -run TestFiftyLabHostsOverSSH ./scenarios/lab | grep -E "hosts (over|in)"
