package collect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEventLogReadIsBounded: the host decides what its event-log file
// holds; a file beyond the bound is reported unreadable (the quote is still
// taken) instead of being read whole into the agent's memory.
func TestEventLogReadIsBounded(t *testing.T) {
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small"), filepath.Join(dir, "big")
	os.WriteFile(small, []byte("log"), 0o600)
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxEventLog + 1) // sparse: no disk used
	f.Close()
	if b, src, err := eventLog(&Device{EventLogPath: small}, Request{}); err != nil || string(b) != "log" || src != small {
		t.Errorf("small log: %q %q %v", b, src, err)
	}
	b, src, err := eventLog(&Device{EventLogPath: big}, Request{})
	if err != nil || b != nil || !strings.Contains(src, "unreadable: reading "+big+": larger than 16 MiB") {
		t.Errorf("big log: %d bytes, %q, %v", len(b), src, err)
	}
}
