package plan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// The agent keeps a sweep's connects compactly and writes its record a
// destination at a time; the quote binds the digest a verifier computes
// from the lines the agent wrote (the bytes a report signs), so the
// record written and the record hashed are the same bytes.
func TestServeAgentBindsTheStreamedRecordAsWritten(t *testing.T) {
	defer collecttest.LockSimulator()()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	eg := probes.DefaultEgressParams()
	eg.RandomPorts, eg.AttemptTimeout = -1, time.Second
	eg.DNSLeak.Off, eg.ProxyDiscovery.Off = true, true
	eg.Destinations = []probes.DestinationSpec{{Host: "127.0.0.1", Protocol: "tcp",
		Ports: fmt.Sprintf("%d,%d", l.Addr().(*net.TCPAddr).Port, closedPort)}}
	nonce := bytes.Repeat([]byte{9}, 32)
	plan := Plan{Target: probes.Target{Name: "local", Kind: "local"}, RunID: "run-s", SuiteSHA256: "sha", VerifierNonce: nonce,
		VerifierSource: "harness", Steps: []PlanStep{
			{ID: "tpm", Probe: "tpm", Timeout: results.Duration(time.Minute), Params: &probes.TPMParams{TPM: "simulator"}},
			{ID: "egress", Probe: "egress", Timeout: results.Duration(time.Minute), Params: &eg},
		}}
	body, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := ServeAgent(context.Background(), bytes.NewReader(body), &out, Env{}); err != nil {
		t.Fatal(err)
	}
	var (
		evs   []results.Evidence
		lines [][]byte
	)
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev results.Evidence
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		evs, lines = append(evs, ev), append(lines, bytes.Clone(sc.Bytes()))
	}
	if len(evs) != 2 || evs[0].Egress == nil || evs[1].TPM == nil {
		t.Fatalf("records %+v: want the egress record, then the TPM quote", evs)
	}
	d := evs[0].Egress.Destinations
	if len(d) != 2 || d[0].Port > d[1].Port {
		t.Fatalf("destinations %+v: want both ports, in order", d)
	}
	for _, x := range d {
		if x.Reachable != (x.Port != closedPort) || (x.Port == closedPort && x.Attempts[0].Class != "refused") {
			t.Fatalf("destination %+v: want the open port reached, the closed one (%d) refused", x, closedPort)
		}
	}
	want := results.EvidenceDigestFrom("run-s", "sha", "local", evs, lines)
	if got := evs[1].TPM.Nonce.EvidenceDigest; !bytes.Equal(got, want) {
		t.Fatalf("the quote binds %x, the written records hash to %x", got, want)
	}
}
