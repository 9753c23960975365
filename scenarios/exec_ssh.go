package scenarios

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/sovbench/sovbench/results"
)

// SSHSpec says how to reach a target over SSH. Host keys are always checked
// against known_hosts: there is no option to trust blindly.
type SSHSpec struct {
	User       string `yaml:"user"`
	Key        string `yaml:"key"`         // private key file (OpenSSH or PEM, unencrypted)
	KnownHosts string `yaml:"known_hosts"` // OpenSSH known_hosts file
	Port       int    `yaml:"port"`
	// AgentPath is where the agent binary is copied on the host; default
	// /tmp/sovbench-agent-<first 16 hex of its SHA-256>.
	AgentPath string `yaml:"agent_path"`
	// ConnectTimeout bounds the TCP connect and SSH handshake (default 10s).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
}

// sshExecutor copies the agent binary to the host (unless the same binary is
// already there), runs "agent --stdio" and streams the evidence back.
type sshExecutor struct {
	address string // host or host:port
	spec    SSHSpec
	agent   string // local agent binary
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (x sshExecutor) execute(ctx context.Context, plan Plan, emit func(results.Evidence)) error {
	client, err := x.connect(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	remote, err := x.install(client)
	if err != nil {
		return err
	}
	body, err := json.Marshal(plan)
	if err != nil {
		return fmt.Errorf("encoding plan: %w", err)
	}
	sess, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening SSH session on %s: %w", x.address, err)
	}
	defer sess.Close()
	sess.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	out, err := sess.StdoutPipe()
	if err != nil {
		return fmt.Errorf("opening agent output on %s: %w", x.address, err)
	}
	if err := sess.Start(shellQuote(remote) + " agent --stdio"); err != nil {
		return fmt.Errorf("starting agent on %s: %w", x.address, err)
	}
	// When the run is cancelled, ask the agent to stop; it reports what it has.
	stopSig := context.AfterFunc(ctx, func() { sess.Signal(ssh.SIGINT) })
	defer stopSig()
	decodeErr := readEvidence(out, emit)
	if err := sess.Wait(); err != nil && ctx.Err() == nil {
		return errors.Join(decodeErr, fmt.Errorf("agent on %s: %w: %s", x.address, err, strings.TrimSpace(stderr.String())))
	}
	return decodeErr
}

// readEvidence decodes JSON-line evidence from an agent.
func readEvidence(r io.Reader, emit func(results.Evidence)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var errs error
	for sc.Scan() {
		var ev results.Evidence
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			errs = errors.Join(errs, fmt.Errorf("decoding agent evidence: %w", err))
			continue
		}
		emit(ev)
	}
	return errors.Join(errs, sc.Err())
}

func (x sshExecutor) connect(ctx context.Context) (*ssh.Client, error) {
	key, err := os.ReadFile(expandHome(x.spec.Key))
	if err != nil {
		return nil, fmt.Errorf("reading SSH key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("parsing SSH key %s: %w", x.spec.Key, err)
	}
	hostKeys, err := knownhosts.New(expandHome(x.spec.KnownHosts))
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts: %w", err)
	}
	timeout := x.spec.ConnectTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	addr := x.address
	if _, _, err := net.SplitHostPort(addr); err != nil {
		port := x.spec.Port
		if port == 0 {
			port = 22
		}
		addr = net.JoinHostPort(addr, fmt.Sprint(port))
	}
	cfg := &ssh.ClientConfig{
		User: x.spec.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys, Timeout: timeout,
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := x.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		var keyErr *knownhosts.KeyError
		if errors.As(err, &keyErr) {
			if len(keyErr.Want) > 0 {
				return nil, fmt.Errorf("SSH host key of %s does not match %s (possible man in the middle): %w", addr, x.spec.KnownHosts, err)
			}
			return nil, fmt.Errorf("SSH host %s is not in %s: %w", addr, x.spec.KnownHosts, err)
		}
		return nil, fmt.Errorf("SSH handshake with %s: %w", addr, err)
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// install copies the agent binary unless the host already has it, and
// returns its remote path. One session does both: the host says whether it
// has the file, then reads the binary only if it needs it.
//
// The remote file is named after the binary's SHA-256 and only ever appears
// through an atomic rename of a complete copy, so "present with the right
// size" means "this binary"; hashing 30 MB on every host at every run would
// cost more than the probes. (A hostile host can run anything in the agent's
// place whatever the check: the agent's evidence is the host's word.)
func (x sshExecutor) install(client *ssh.Client) (string, error) {
	f, err := os.Open(x.agent)
	if err != nil {
		return "", fmt.Errorf("reading agent binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", fmt.Errorf("reading agent binary: %w", err)
	}
	digest := hex.EncodeToString(h.Sum(nil))
	remote, q := x.spec.AgentPath, shellQuote(x.spec.AgentPath)
	// A path of the user's choosing does not name the digest: hash it there.
	have := fmt.Sprintf(`[ "$(sha256sum %s 2>/dev/null | cut -c1-64)" = %s ]`, q, digest)
	if remote == "" {
		remote = "/tmp/sovbench-agent-" + digest[:16]
		q = shellQuote(remote)
		have = fmt.Sprintf(`[ -x %s ] && [ "$(stat -c %%s %s 2>/dev/null)" = %d ]`, q, q, size)
	}
	script := fmt.Sprintf(`if %s; then echo have; else echo need; t=%s.tmp.$$; cat > "$t" && chmod 755 "$t" && mv "$t" %s; fi`, have, q, q)
	sess, err := client.NewSession()
	if err != nil {
		return "", fmt.Errorf("opening SSH session on %s: %w", x.address, err)
	}
	defer sess.Close()
	stdin, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start(script); err != nil {
		return "", fmt.Errorf("installing agent on %s: %w", x.address, err)
	}
	answer, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(answer) == "need" {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", fmt.Errorf("reading agent binary: %w", err)
		}
		if _, err := io.Copy(stdin, f); err != nil {
			return "", fmt.Errorf("copying agent to %s:%s: %w", x.address, remote, err)
		}
	}
	stdin.Close()
	if err := sess.Wait(); err != nil {
		return "", fmt.Errorf("copying agent to %s:%s: %w: %s", x.address, remote, err, strings.TrimSpace(stderr.String()))
	}
	return remote, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
