package attest_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/swtpm/swtpmtest"
	"github.com/sovbench/sovbench/results"
)

// tool runs a tpm2-tools command against inst's TCTI.
func tool(t *testing.T, tcti, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needTool(t, args[0]), args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TPM2TOOLS_TCTI="+tcti)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// No resource manager sits between tpm2-tools and swtpm: flush the
	// transient objects each command leaves loaded.
	if args[0] != "tpm2_flushcontext" {
		tool(t, tcti, dir, "tpm2_flushcontext", "-t")
	}
	return string(out)
}

func TestInteropOurQuotePassesTpm2Checkquote(t *testing.T) {
	inst := swtpmtest.Start(t)
	needTool(t, "tpm2_checkquote")
	req := request(t, "interop evidence")
	d := collectSwtpm(t, inst, req)
	dir := t.TempDir()
	nonce, err := ExportTpm2Tools(d, 0, dir)
	if err != nil {
		t.Fatal(err)
	}
	if nonce != hex.EncodeToString(QuoteNonce(req.VerifierNonce, req.EvidenceDigest)) {
		t.Fatal("exported nonce is not the bound nonce")
	}
	check := func(q string) error { return checkquote(dir, q) }
	t.Run("tpm2_checkquote accepts our quote with the bound nonce", func(t *testing.T) {
		if err := check(nonce); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("tpm2_checkquote rejects our quote with another nonce", func(t *testing.T) {
		other := sha256.Sum256([]byte("another run"))
		if err := check(hex.EncodeToString(other[:])); err == nil {
			t.Fatal("tpm2_checkquote accepted a wrong nonce")
		}
	})
}

// checkquote runs tpm2_checkquote on the files ExportTpm2Tools wrote.
func checkquote(dir, nonce string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tpm2_checkquote", "-u", Tpm2ToolsAK, "-m", Tpm2ToolsMessage, "-s", Tpm2ToolsSig,
		"-f", Tpm2ToolsPCRs, "-g", "sha256", "-q", nonce)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func TestInteropTpm2QuotePassesOurVerifier(t *testing.T) {
	inst := swtpmtest.Start(t)
	dir := t.TempDir()
	req := request(t, "tpm2-tools evidence")
	nonce := QuoteNonce(req.VerifierNonce, req.EvidenceDigest)
	tcti := inst.TCTI()
	tool(t, tcti, dir, "tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub")
	tool(t, tcti, dir, "tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa", "-u", "ak.pem", "-f", "pem", "-n", "ak.name")
	tool(t, tcti, dir, "tpm2_pcrextend", "7:sha256="+strings.Repeat("ab", 32))
	tool(t, tcti, dir, "tpm2_quote", "-c", "ak.ctx", "-l", "sha256:0,1,2,3,4,5,6,7", "-q", hex.EncodeToString(nonce),
		"-m", "quote.msg", "-s", "quote.sig", "-g", "sha256")
	tool(t, tcti, dir, "tpm2_pcrread", "sha256:0,1,2,3,4,5,6,7", "-o", "pcrs.bin")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	blk, _ := pem.Decode(read("ak.pem"))
	if blk == nil {
		t.Fatal("tpm2_createak wrote no PEM")
	}
	keys, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	raw := read("pcrs.bin")
	pcrs := map[int][]byte{}
	for i := 0; i < 8; i++ {
		pcrs[i] = raw[i*32 : (i+1)*32]
	}
	q := results.TPMQuote{Bank: "sha256", Quote: read("quote.msg"), Signature: read("quote.sig")}
	t.Run("the tpm2_quote quote verifies", func(t *testing.T) {
		if err := VerifyQuote(q, keys, crypto.SHA256, nonce, PCRsOf(pcrs)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the tpm2_quote quote is rejected for another run's nonce", func(t *testing.T) {
		other := QuoteNonce(req.VerifierNonce, make([]byte, 32))
		if err := VerifyQuote(q, keys, crypto.SHA256, other, PCRsOf(pcrs)); !isNonceMismatch(err) {
			t.Fatalf("got %v, want *NonceMismatchError", err)
		}
	})
	t.Run("the tpm2_quote quote is rejected with PCR 7 tampered", func(t *testing.T) {
		bad := map[int][]byte{}
		for k, v := range pcrs {
			bad[k] = v
		}
		bad[7] = make([]byte, 32)
		if err := VerifyQuote(q, keys, crypto.SHA256, nonce, PCRsOf(bad)); !isPCRMismatch(err) {
			t.Fatalf("got %v, want *PCRMismatchError", err)
		}
	})
}

func isNonceMismatch(err error) bool {
	var e *NonceMismatchError
	return errors.As(err, &e)
}

func isPCRMismatch(err error) bool {
	var e *PCRMismatchError
	return errors.As(err, &e)
}
