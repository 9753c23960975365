package limits

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// The table of bounds in docs/cli.md is what users read: it must list every
// bound with the default in force and the text of its Spec.
func TestTheDocumentedBoundsAreTheBoundsInForce(t *testing.T) {
	b, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range Specs {
		row := fmt.Sprintf("| `%s` | %s | %s |", s.Name, Format(s.Name, s.Default), s.Doc)
		if !strings.Contains(doc, row) {
			t.Errorf("docs/cli.md lacks the row\n%s", row)
		}
	}
	if got := strings.Count(doc, "\n| `"); got != len(Specs) {
		t.Errorf("docs/cli.md has %d rows of bounds, want %d", got, len(Specs))
	}
}
