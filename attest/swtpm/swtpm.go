package swtpm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Instance is a running swtpm.
type Instance struct {
	// Addr is the TCP command port ("127.0.0.1:P"); the control port is P+1,
	// which is what tpm2-tools' swtpm TCTI expects.
	Addr     string
	CtrlAddr string
	// Dir holds state/, ca/ and swtpm.log.
	Dir string
	// CACert is the local CA's root certificate (PEM); IssuerCert the
	// intermediate that signed the EK certificate.
	CACert, IssuerCert string
	cmd                *exec.Cmd
	done               chan error
	stop               sync.Once
}

// Spec is the collect.Open spec for this instance (attest/collect).
func (i *Instance) Spec() string { return "swtpm://" + i.Addr }

// TCTI is the tpm2-tools TCTI string for this instance.
func (i *Instance) TCTI() string {
	host, port, _ := net.SplitHostPort(i.Addr)
	return "swtpm:host=" + host + ",port=" + port
}

// Available reports whether swtpm and swtpm_setup are installed.
func Available() error {
	for _, b := range []string{"swtpm", "swtpm_setup", "swtpm_localca"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("finding %s: %w", b, err)
		}
	}
	return nil
}

// Provision creates the TPM state in dir/state with RSA and ECC EK
// certificates signed by a local CA in dir/ca, unless it exists already.
//
// swtpm_setup runs its own swtpm and CA tool, and a run cut short leaves a
// state without EK certificates. So it works in dir/provisioning, in a
// process group of its own that is killed whole when ctx ends, and state/
// and ca/ move into place only after it succeeded: a cancelled Provision
// leaves no process behind and nothing that a later call would take for a
// provisioned TPM.
func Provision(ctx context.Context, dir string) error {
	state := filepath.Join(dir, "state")
	if _, err := os.Stat(filepath.Join(state, "tpm2-00.permall")); err == nil {
		return nil
	}
	stage := filepath.Join(dir, "provisioning")
	// What an earlier, interrupted run left (this one's or an older
	// version's, which worked in place) is incomplete by construction.
	for _, d := range []string{stage, state, filepath.Join(dir, "ca")} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("provisioning swtpm: %w", err)
		}
	}
	defer os.RemoveAll(stage)
	sstate, sca := filepath.Join(stage, "state"), filepath.Join(stage, "ca")
	for _, d := range []string{sstate, sca} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("provisioning swtpm: %w", err)
		}
	}
	localca := filepath.Join(stage, "swtpm-localca.conf")
	setup := filepath.Join(stage, "swtpm_setup.conf")
	files := map[string]string{
		localca: fmt.Sprintf("statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = %s/certserial\n", sca, sca, sca, sca),
		setup:   fmt.Sprintf("create_certs_tool = swtpm_localca\ncreate_certs_tool_config = %s\ncreate_certs_tool_options = /etc/swtpm-localca.options\nactive_pcr_banks = sha256\n", localca),
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			return fmt.Errorf("provisioning swtpm: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "swtpm_setup", "--tpm2", "--tpmstate", sstate,
		"--create-ek-cert", "--config", setup, "--overwrite")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { killGroup(cmd.Process.Pid); return nil }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if cmd.Process != nil {
			// The group outlives its leader if swtpm_setup failed on its own.
			killGroup(cmd.Process.Pid)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("provisioning swtpm: swtpm_setup stopped: %w", context.Cause(ctx))
		}
		return fmt.Errorf("provisioning swtpm: swtpm_setup: %w: %s", err, out)
	}
	// ca/ first: state/ with its permall file is what marks dir provisioned.
	for _, m := range [][2]string{{sca, filepath.Join(dir, "ca")}, {sstate, state}} {
		if err := os.Rename(m[0], m[1]); err != nil {
			return fmt.Errorf("provisioning swtpm: %w", err)
		}
	}
	return nil
}

// killGroup kills swtpm_setup's process group and removes the pid file it
// made for its swtpm: a fixed /tmp/.swtpm_setup.pidfile.XXXXXX, which
// swtpm_setup removes only when it ends by itself. It holds the file open
// from making it to its end, and its swtpm names it, so the file is found
// from the moment it exists; the group is stopped first so that none is
// made between the look and the kill.
func killGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGSTOP)
	var pidFiles []string
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		i := strings.LastIndex(string(b), ") ") // the name may hold ") "
		if f := strings.Fields(string(b[i+1:])); i < 0 || len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue // f[2] is field 5, the process group
		}
		pidFiles = append(pidFiles, setupPidFiles(filepath.Dir(p))...)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	for _, f := range pidFiles {
		_ = os.Remove(f)
	}
}

// Start provisions dir if needed and starts swtpm on two free consecutive
// loopback ports. Stop it with Stop; it also dies with the calling process.
func Start(ctx context.Context, dir string) (*Instance, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if err := Provision(ctx, dir); err != nil {
		return nil, err
	}
	var last error
	for range 5 {
		port, err := freePortPair()
		if err != nil {
			return nil, fmt.Errorf("starting swtpm: %w", err)
		}
		inst, err := start(ctx, dir, port)
		if err == nil {
			return inst, nil
		}
		last = err
	}
	return nil, fmt.Errorf("starting swtpm: %w", last)
}

func start(ctx context.Context, dir string, port int) (*Instance, error) {
	ca := filepath.Join(dir, "ca")
	i := &Instance{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), CtrlAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)),
		Dir: dir, CACert: filepath.Join(ca, "swtpm-localca-rootca-cert.pem"), IssuerCert: filepath.Join(ca, "issuercert.pem"),
		done: make(chan error, 1),
	}
	i.cmd = exec.Command("swtpm", "socket", "--tpm2",
		"--tpmstate", "dir="+filepath.Join(dir, "state"),
		"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port),
		"--ctrl", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port+1),
		"--flags", "not-need-init,startup-clear",
		"--log", "file="+filepath.Join(dir, "swtpm.log"))
	i.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := i.cmd.Start(); err != nil {
		return nil, fmt.Errorf("running swtpm: %w", err)
	}
	go func() { i.done <- i.cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := net.Dialer{Timeout: 200 * time.Millisecond}
		c, err := d.DialContext(ctx, "tcp", i.CtrlAddr)
		if err == nil {
			c.Close()
			return i, nil
		}
		select {
		case werr := <-i.done:
			return nil, fmt.Errorf("swtpm exited: %v (see %s)", werr, filepath.Join(dir, "swtpm.log"))
		case <-ctx.Done():
			i.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			i.Stop()
			return nil, errors.New("swtpm did not listen within 5s")
		}
	}
}

// Stop terminates swtpm and waits for it (at most 5 s, then kills it).
func (i *Instance) Stop() error {
	i.stop.Do(func() {
		_ = i.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-i.done:
		case <-time.After(5 * time.Second):
			_ = i.cmd.Process.Kill()
			<-i.done
		}
	})
	return nil
}

// freePortPair finds P such that P and P+1 are free on 127.0.0.1.
func freePortPair() (int, error) {
	for range 20 {
		l1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1)))
		l1.Close()
		if err == nil {
			l2.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port pair")
}

// setupPidFiles lists the swtpm_setup pid files the process at procDir
// names on its command line (swtpm's --pid file=) or holds open
// (swtpm_setup itself, before its swtpm starts).
func setupPidFiles(procDir string) []string {
	const prefix = "/tmp/.swtpm_setup.pidfile."
	var found []string
	cmdline, _ := os.ReadFile(filepath.Join(procDir, "cmdline"))
	for _, arg := range strings.Split(string(cmdline), "\x00") {
		if f, ok := strings.CutPrefix(arg, "file="); ok && strings.HasPrefix(f, prefix) {
			found = append(found, f)
		}
	}
	fds, _ := filepath.Glob(filepath.Join(procDir, "fd", "*"))
	for _, fd := range fds {
		if f, err := os.Readlink(fd); err == nil && strings.HasPrefix(f, prefix) {
			found = append(found, f)
		}
	}
	return found
}
