#!/usr/bin/env bash
# Benchmarks TPM quote verification on one core (GOMAXPROCS=1):
#  - BenchmarkVerifyQuoteAndReplay: quote signature + nonce + PCR digest +
#    replay-cache check + event-log replay of a real 105-event firmware log
#    (go-attestation testdata, played into the simulator). Target ≥ 5 000
#    quotes/s of one core: read quotes/cpu-s (CPU time actually spent); the
#    quotes/s column is wall clock and drops when the machine is shared.
#  - BenchmarkVerifyFull: everything attest.Verify does (adds AK creation
#    check, activation record, secure-boot parsing).
#  - BenchmarkQuoteVsSignature: the bare AK signature check against the
#    quote verification with PCR replay and secure-boot state that Verify
#    does, both in every iteration of one run, RSA-2048 and ECDSA P-256
#    AKs; "memo" is a log seen before (the boot memo answers), "cold"
#    replays and parses it every time. Target (#18): ratio ≤ 1.3.
#  - BenchmarkReplayFloor: the "cold" replay split into its 105 SHA-256
#    extends, its parsing and the whole: the floor under the cold ratio.
#  - BenchmarkTpm2Checkquote: Debian's tpm2_checkquote run once per quote on
#    the same evidence in the same run (signature + nonce + PCR digest, no
#    replay); its CPU includes the child processes.
# No network; the simulator runs in-process.
#
# Usage: scripts/bench/tpm.sh [benchtime, default 3s]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
bt="${1:-3s}"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg), $(tpm2_checkquote --version 2>/dev/null | head -1)"
go test -count=1 -run '^$' -bench 'BenchmarkVerifyQuoteAndReplay|BenchmarkVerifyFull|BenchmarkQuoteVsSignature|BenchmarkReplayFloor|BenchmarkTpm2Checkquote' \
  -benchtime="$bt" -cpu 1 ./attest | grep -E '^Benchmark|FAIL|^ok'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
