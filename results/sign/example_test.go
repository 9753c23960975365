package sign_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/sign"
)

// Sign a report and check its signature and subjects, as verify does first.
func ExampleSignReport() {
	ctx := context.Background()
	key, err := sign.GenerateKey(sign.KeyEd25519)
	if err != nil {
		panic(err)
	}
	source := "suite: demo\n"
	sum := sha256.Sum256([]byte(source))
	rep := &results.Report{Schema: results.Schema, RunID: "run-1",
		Suite:   results.SuiteRef{Name: "demo", SHA256: hex.EncodeToString(sum[:]), Source: source},
		Targets: []results.Target{{Name: "h1", Kind: "local"}}}
	file, err := sign.SignReport(ctx, rep, key)
	if err != nil {
		panic(err)
	}

	env, err := sign.ParseEnvelope(file)
	if err != nil {
		panic(err)
	}
	signer, payload, err := sign.VerifySignature(ctx, env, []*sign.PublicKey{key.Public()})
	if err != nil {
		panic(err)
	}
	st, err := sign.DecodeStatement(payload)
	if err != nil {
		panic(err)
	}
	fmt.Println(signer == key.ID, len(sign.CheckSubjects(st)) == 0)
	for _, s := range st.Subject {
		fmt.Println(s.Name)
	}
	// Output:
	// true true
	// suite/demo
	// target/h1
}
