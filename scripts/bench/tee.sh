#!/usr/bin/env bash
# Benchmarks confidential-VM report verification beside TPM quote
# verification, on one core (GOMAXPROCS=1), in the same run:
#  - BenchmarkVerifySNP / BenchmarkVerifySNPVLEK: attest/tee.Verify of an
#    SEV-SNP report (parse, ECDSA P-384 report signature, VCEK/VLEK chain to
#    an RSA-4096 ARK, report data binding, TCB and chip checks). The report
#    is test-signed (the lab's signer, AMD's shapes and key sizes): the
#    machine has no SEV-SNP CPU.
#  - BenchmarkVerifyTDX: the same for a test-signed TDX quote (quote and QE
#    report signatures, PCK chain).
#  - BenchmarkVerifyQuoteAndReplay: the TPM quote verification of attest
#    (signature + nonce + PCR digest + event-log replay), for comparison.
# Read reports/cpu-s and quotes/cpu-s (CPU time actually spent); the /s
# columns are wall clock and drop when the machine is shared. No network.
#
# Usage: scripts/bench/tee.sh [benchtime, default 3s]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
bt="${1:-3s}"
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
go test -count=1 -p 1 -run '^$' -bench 'BenchmarkVerifySNP|BenchmarkVerifyTDX|BenchmarkVerifyQuoteAndReplay' \
  -benchtime="$bt" -cpu 1 ./attest/tee ./attest | grep -E '^Benchmark|FAIL|^ok'
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
