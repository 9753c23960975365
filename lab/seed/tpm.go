package seed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sovbench/sovbench/attest/swtpm"
	"github.com/sovbench/sovbench/lab"
)

// provisionTimeout bounds creating one software TPM's state and EK
// certificates.
const provisionTimeout = time.Minute

// hostTPM is the software TPM of one lab host, listening on loopback inside
// the host's namespace.
type hostTPM struct {
	inst *swtpm.Instance
	// Spec is what the tpm probe opens inside the namespace; CA and Issuer
	// are the swtpm local CA that issued the EK certificates.
	Spec, CA, Issuer string
}

// startTPMs starts one swtpm per provider host, inside the host's network
// namespace, with its state (and local CA) under dir/<provider>: the state
// is kept between runs, so the CA path a suite names stays valid for
// verifying its report after the lab is gone.
func startTPMs(ctx context.Context, l *lab.Lab, dir string, providers []lab.Provider) (map[string]*hostTPM, func(), error) {
	tpms := make(map[string]*hostTPM, len(providers))
	stop := func() {
		for _, t := range tpms {
			if t != nil {
				_ = t.inst.Stop()
			}
		}
	}
	all := make([]*hostTPM, len(providers))
	var g errgroup.Group
	for i, p := range providers {
		g.Go(func() error {
			t, err := startTPM(ctx, l, filepath.Join(dir, p.Name), p.Name+"/vm1")
			all[i] = t
			return err
		})
	}
	err := g.Wait()
	for i, p := range providers {
		tpms[p.Name] = all[i]
	}
	if err == nil {
		err = collectRoots(filepath.Join(dir, RootsDir), tpms)
	}
	if err != nil {
		stop()
		return nil, func() {}, err
	}
	return tpms, stop, nil
}

// RootsDir, under Options.TPMDir, holds the local CA certificates of every
// lab host's software TPM under software/, the layout --tpm-roots reads:
// `sovbench verify --tpm-roots TPMDIR/roots` then sees the lab's TPMs as
// software endorsed by their CA. The demo's suites need none of it: a
// software TPM passes their claims only as simulated, on any machine.
const RootsDir = "roots"

func collectRoots(dir string, tpms map[string]*hostTPM) error {
	dir = filepath.Join(dir, "software")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating TPM roots directory: %w", err)
	}
	for name, t := range tpms {
		for suffix, src := range map[string]string{"root": t.CA, "issuer": t.Issuer} {
			b, err := os.ReadFile(src)
			if err != nil {
				return fmt.Errorf("reading TPM CA of %s: %w", name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+suffix+".pem"), b, 0o644); err != nil {
				return fmt.Errorf("writing TPM CA of %s: %w", name, err)
			}
		}
	}
	return nil
}

func startTPM(ctx context.Context, l *lab.Lab, dir, host string) (*hostTPM, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating TPM state for %s: %w", host, err)
	}
	// Cut short (SIGINT), provisioning leaves nothing behind and the next
	// run starts it again.
	pctx, cancel := context.WithTimeout(ctx, provisionTimeout)
	defer cancel()
	if err := swtpm.Provision(pctx, dir); err != nil {
		return nil, fmt.Errorf("provisioning the TPM of %s: %w", host, err)
	}
	ns, err := l.Namespace(host)
	if err != nil {
		return nil, err
	}
	var inst *swtpm.Instance
	// Started from a thread inside the namespace, swtpm listens on the
	// host's own loopback, where the agent finds it.
	err = lab.InNamespace(ns, func() error {
		var err error
		inst, err = swtpm.Start(ctx, dir)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("starting the TPM of %s: %w", host, err)
	}
	return &hostTPM{inst: inst, Spec: inst.Spec(), CA: inst.CACert, Issuer: inst.IssuerCert}, nil
}
