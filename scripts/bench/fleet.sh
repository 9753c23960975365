#!/usr/bin/env bash
# Fleet fan-out: 50 lab hosts with real sshd, against one host, same run.
# Prints the cold run (agent copied to every host unless this binary is
# already there) and warm runs of 1 and 50 hosts for three suites: identity
# (host and jurisdiction probes: CPU only), location (adds 10 paced TCP
# round trips to a landmark 6400 km away) and egress (adds TCP, UDP and ICMP
# towards a dropped destination with the seed suites' 3 s attempt timeout:
# what watching a disconnected platform costs), each with three CPU times per
# host: the auditor's (this process: runner, SSH clients, the lab's
# forwarder; what the auditor's machine pays per host watched), the hosts'
# own (sshd, shell, agent: time a real fleet spends on its own machines,
# which in the lab shares the auditor's cores), and the machine's (both,
# plus whatever else the shared machine runs meanwhile).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
CI=true go test -count=1 -v -run TestFiftyLabHostsOverSSH ./lab | grep -E "hosts (over|in)|FAIL|ok"
