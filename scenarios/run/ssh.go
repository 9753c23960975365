package run

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
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/internal/strictjson/exact"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// sshExecutor copies the agent binary to the host (unless the same binary is
// already there), runs "agent --stdio" and streams the evidence back.
type sshExecutor struct {
	address string // host or host:port
	spec    suite.SSHSpec
	agent   string // local agent binary
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	lim     limits.Limits // bounds the key and known_hosts files
}

func (x sshExecutor) execute(ctx context.Context, p plan.Plan, emit func(results.Evidence)) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding plan: %w", err)
	}
	client, err := x.connect(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	sess, out, stderr, err := x.startAgent(client)
	if err != nil {
		return err
	}
	defer sess.Close()
	// When the run is cancelled, ask the agent to stop; it reports what it has.
	stopSig := context.AfterFunc(ctx, func() { sess.Signal(ssh.SIGINT) })
	defer stopSig()
	go func() {
		sess.stdin.Write(body) // a failed write shows as the agent's error below
		sess.stdin.Close()
	}()
	decodeErr := readAgent(out, emit, progressFrom(ctx))
	if err := sess.Wait(); err != nil && ctx.Err() == nil {
		return errors.Join(decodeErr, fmt.Errorf("agent on %s: %w: %s", x.address, err, strings.TrimSpace(stderr.String())))
	}
	return decodeErr
}

// agentSession is an SSH session with its input.
type agentSession struct {
	*ssh.Session
	stdin io.WriteCloser
}

// readEvidence decodes JSON-line evidence from an agent. The host runs the
// agent, so each line is untrusted input that ends up in a signed report:
// it is decoded strictly (strictjson/exact: no duplicate or unknown keys,
// nothing after the record, a memory budget).
func readEvidence(r io.Reader, emit func(results.Evidence)) error { return readAgent(r, emit, nil) }

// readAgent reads an agent's lines: evidence to emit, and progress lines
// (plan.ParseProgress) to progress, or to nowhere when it is nil.
func readAgent(r io.Reader, emit func(results.Evidence), progress func(plan.StepProgress)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var errs error
	for sc.Scan() {
		if sp, ok, err := plan.ParseProgress(sc.Bytes()); ok {
			if err != nil {
				errs = errors.Join(errs, err)
			} else if progress != nil {
				progress(sp)
			}
			continue
		}
		var ev results.Evidence
		// exact: a hostile agent's line gets no more memory than its
		// budget; cloned, as the decoded strings share the bytes and the
		// scanner reuses its buffer.
		if err := exact.Decode(bytes.Clone(sc.Bytes()), &ev); err != nil {
			errs = errors.Join(errs, fmt.Errorf("decoding agent evidence: %w", err))
			continue
		}
		emit(ev)
	}
	return errors.Join(errs, sc.Err())
}

func (x sshExecutor) connect(ctx context.Context) (*ssh.Client, error) {
	key, err := x.lim.ReadFile(ctx, limits.KeyBytes, expandHome(x.spec.Key))
	if err != nil {
		return nil, fmt.Errorf("reading SSH key: %w", err)
	}
	if err := x.lim.CheckSize(limits.KeyBytes, expandHome(x.spec.KnownHosts)); err != nil {
		return nil, fmt.Errorf("reading known_hosts: %w", err)
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

// startAgent starts the agent: at once if the host already has this binary
// (the warm case: one session, one shell that execs the agent), otherwise
// after copying it there, in a second session. The host answers "have" or
// "need" on the first line.
//
// The remote file is named after the binary's SHA-256 and only appears
// through an atomic rename of a copy whose digest was checked there, so
// "present and executable" means "this binary"; hashing 40 MB on every
// host at every run would cost more than the probes. A path of the user's
// choosing does not name the digest, so it is hashed there every time. (A
// hostile host can run anything in the agent's place whatever the check:
// the agent's evidence is the host's word.)
func (x sshExecutor) startAgent(client *ssh.Client) (sess *agentSession, out io.Reader, stderr *bytes.Buffer, err error) {
	bin, err := agentDigest(x.agent)
	if err != nil {
		return nil, nil, nil, err
	}
	remote, q := x.remotePath(bin)
	have := fmt.Sprintf(`[ -x %s ]`, q)
	if x.spec.AgentPath != "" {
		have = fmt.Sprintf(`[ "$(sha256sum %s 2>/dev/null | cut -c1-64)" = %s ]`, q, bin.digest)
	}
	if sess, out, stderr, err = x.session(client, startScript(have, q, bin.digest)); err != nil {
		return nil, nil, nil, fmt.Errorf("starting agent on %s: %w", x.address, err)
	}
	br := bufio.NewReader(out)
	answer, _ := br.ReadString('\n')
	switch strings.TrimSpace(answer) {
	case "have":
		return sess, br, stderr, nil
	case "need":
		err := copyFile(sess.stdin, x.agent)
		sess.stdin.Close()
		if werr := sess.Wait(); werr != nil {
			err = errors.Join(err, fmt.Errorf("%w: %s", werr, strings.TrimSpace(stderr.String())))
		}
		sess.Close()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("copying agent to %s:%s: %w", x.address, remote, err)
		}
		if sess, out, stderr, err = x.session(client, "exec "+q+" agent --stdio"); err != nil {
			return nil, nil, nil, fmt.Errorf("starting agent on %s: %w", x.address, err)
		}
		return sess, out, stderr, nil
	default:
		sess.stdin.Close()
		werr := sess.Wait()
		sess.Close()
		return nil, nil, nil, fmt.Errorf("starting agent on %s: the host answered %q (%v): %s", x.address, answer, werr, strings.TrimSpace(stderr.String()))
	}
}

// startScript runs the agent at quoted path q if the test have passes;
// otherwise it installs the binary read from its input there, through an
// atomic rename once the copy's SHA-256 is digest.
func startScript(have, q, digest string) string {
	return fmt.Sprintf(`if %s; then echo have; exec %s agent --stdio; fi; echo need; t=%s.tmp.$$; `+
		`cat > "$t" && [ "$(sha256sum "$t" | cut -c1-64)" = %s ] && chmod 755 "$t" && mv "$t" %s || { rm -f "$t"; echo "the agent was not installed" >&2; exit 1; }`,
		have, q, q, digest, q)
}

// session starts cmd in a new session with its input, output and error.
func (x sshExecutor) session(client *ssh.Client, cmd string) (*agentSession, io.Reader, *bytes.Buffer, error) {
	s, err := client.NewSession()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("opening SSH session: %w", err)
	}
	stdin, err := s.StdinPipe()
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	out, err := s.StdoutPipe()
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	stderr := new(bytes.Buffer)
	s.Stderr = stderr
	if err := s.Start(cmd); err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return &agentSession{Session: s, stdin: stdin}, out, stderr, nil
}

// remotePath is where the agent lives on the host, and that path quoted.
func (x sshExecutor) remotePath(bin agentFile) (string, string) {
	remote := x.spec.AgentPath
	if remote == "" {
		remote = "/tmp/sovbench-agent-" + bin.digest[:16]
	}
	return remote, shellQuote(remote)
}

// agentFile is a local agent binary and its SHA-256.
type agentFile struct {
	size    int64
	modTime time.Time
	digest  string
}

// agentDigests caches agentDigest by path: a fan-out to 50 hosts would
// otherwise hash the same 40 MB 50 times. The lock makes the hosts of a
// run that start together wait for one hash instead of each making one.
var agentDigests struct {
	sync.Mutex
	m map[string]agentFile
}

// agentDigest hashes the binary at path once while its size and
// modification time stay the same.
func agentDigest(path string) (agentFile, error) {
	agentDigests.Lock()
	defer agentDigests.Unlock()
	fi, err := os.Stat(path)
	if err != nil {
		return agentFile{}, fmt.Errorf("reading agent binary: %w", err)
	}
	if a, ok := agentDigests.m[path]; ok && a.size == fi.Size() && a.modTime.Equal(fi.ModTime()) {
		return a, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return agentFile{}, fmt.Errorf("reading agent binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return agentFile{}, fmt.Errorf("reading agent binary: %w", err)
	}
	a := agentFile{size: fi.Size(), modTime: fi.ModTime(), digest: hex.EncodeToString(h.Sum(nil))}
	if agentDigests.m == nil {
		agentDigests.m = map[string]agentFile{}
	}
	agentDigests.m[path] = a
	return a, nil
}

// copyFile writes the file at path to w.
func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading agent binary: %w", err)
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
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
