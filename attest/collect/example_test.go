package collect_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
)

// Collect on the in-process simulator, then verify the evidence as an
// offline verifier would.
func Example() {
	ctx := context.Background()
	dev, err := collect.Open(ctx, "simulator")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close()
	log, _ := dev.Measure(ctx, collect.BootProfile("example firmware", true, nil))
	nonce := make([]byte, 32)
	rand.Read(nonce)
	digest := sha256.Sum256([]byte("the rest of the report"))
	d, err := collect.Collect(ctx, dev, collect.Request{VerifierNonce: nonce, EvidenceDigest: digest[:], EventLog: log})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := attest.Verify(d, attest.Options{VerifierNonce: nonce, EvidenceDigest: digest[:], AllowUnverifiedEK: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	class, _, _ := p.Classify(nil)
	fmt.Println("simulated:", p.Simulated, "class:", class, "secure boot:", p.Boot.SecureBoot().Enabled)
	// Output: simulated: true class: software secure boot: true
}
