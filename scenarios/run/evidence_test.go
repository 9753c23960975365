package run

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results"
)

// Evidence lines come from an agent on the audited host and end up in a
// signed report: a line a first-value reader and a last-value reader would
// read differently is refused, the well-formed lines around it are kept.
func TestReadEvidenceIsStrict(t *testing.T) {
	for _, tc := range []struct{ name, line, want string }{
		{"a key given twice is refused", `{"id":"a/host","probe":"host","id":"a/forged"}`, `duplicate key "id"`},
		{"a key repeated in another case is refused", `{"id":"a/host","ID":"a/forged"}`, `duplicate key "ID"`},
		{"an unknown field is refused", `{"id":"a/host","verdict":"pass"}`, `unknown field "verdict"`},
		{"a second value on the line is refused", `{"id":"a/host"} {"id":"a/forged"}`, "data after the JSON value"},
		// 600 KB that encoding/json would spread over hundreds of MB.
		{"a line whose records would take gigabytes is refused", `{"id":"a/bomb","observations":[` + strings.Repeat(`{},`, 200_000) + `{}]}`, "bytes of memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			in := `{"id":"a/ok1"}` + "\n" + tc.line + "\n" + `{"id":"a/ok2"}` + "\n"
			err := readEvidence(strings.NewReader(in), func(e results.Evidence) { got = append(got, e.ID) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if strings.Join(got, ",") != "a/ok1,a/ok2" {
				t.Errorf("kept %v, want the two good records", got)
			}
		})
	}
}
