package lab

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The root-namespace check runs inside a scratch namespace that holds a lab
// address, so the real root namespace is never touched.
func TestUpRefusesANamespaceThatAlreadyUsesLabPrefixes(t *testing.T) {
	if err := checkPrivileges(); err != nil {
		requireRootOrSkip(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := freeID()
	if err != nil {
		t.Fatal(err)
	}
	ns := id + "-safe"
	if err := ipBatch(ctx, "", []string{"netns add " + ns}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ipBatch(context.Background(), "", []string{"netns del " + ns}) })
	check := func() error { return InNamespace(ns, func() error { return checkRootNamespace(ctx) }) }
	if err := check(); err != nil {
		t.Fatalf("a clean namespace was refused: %v", err)
	}
	if err := ipBatch(ctx, ns, []string{"link set lo up", "addr add 198.18.7.7/32 dev lo"}); err != nil {
		t.Fatal(err)
	}
	err = check()
	if err == nil || !strings.Contains(err.Error(), "198.18.7.7/32") {
		t.Errorf("a namespace holding 198.18.7.7 gave %v; want a refusal naming it", err)
	}
}
