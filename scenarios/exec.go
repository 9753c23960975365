package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
)

// executor runs one target's plan and emits the evidence it gets back.
type executor interface {
	execute(ctx context.Context, plan Plan, emit func(results.Evidence)) error
}

// localExecutor runs probes in this process.
type localExecutor struct{}

func (localExecutor) execute(ctx context.Context, plan Plan, emit func(results.Evidence)) error {
	RunPlan(ctx, plan, Env{}, emit)
	return nil
}

// commandExecutor runs "sovbench agent --stdio" through a command prefix
// (ip netns exec NS, ssh ...), sends it the plan and reads evidence lines.
type commandExecutor struct {
	argv []string
	// root is the target's own root (a lab host's fixture), sent in the plan.
	root string
}

func (c commandExecutor) execute(ctx context.Context, plan Plan, emit func(results.Evidence)) error {
	if c.root != "" {
		plan.Target.Root = c.root
	}
	body, err := json.Marshal(plan)
	if err != nil {
		return fmt.Errorf("encoding plan: %w", err)
	}
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	// On cancellation ask the agent to stop: it then reports what it has.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("starting agent: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting agent %s: %w", c.argv[0], err)
	}
	decodeErr := readEvidence(out, emit)
	waitErr := cmd.Wait()
	if waitErr != nil && ctx.Err() == nil {
		return errors.Join(decodeErr, fmt.Errorf("agent %s: %w: %s", strings.Join(c.argv, " "), waitErr, strings.TrimSpace(stderr.String())))
	}
	return decodeErr
}

func (r *Runner) executorFor(t TargetSpec) (executor, error) {
	switch t.Kind {
	case "local":
		return localExecutor{}, nil
	case "lab":
		agent, err := r.agentPath()
		if err != nil {
			return nil, err
		}
		ns, err := r.labNamespace(t)
		if err != nil {
			return nil, err
		}
		root, err := r.labFixture(t)
		if err != nil {
			return nil, err
		}
		return commandExecutor{argv: []string{"ip", "netns", "exec", ns, agent, "agent", "--stdio"}, root: root}, nil
	case "ssh":
		agent, err := r.agentPath()
		if err != nil {
			return nil, err
		}
		return sshExecutor{address: t.Address, spec: *t.SSH, agent: agent, dial: r.Dial}, nil
	}
	return nil, fmt.Errorf("no executor for target kind %q", t.Kind)
}

func (r *Runner) agentPath() (string, error) {
	if r.AgentPath != "" {
		return r.AgentPath, nil
	}
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the sovbench binary for the agent: %w", err)
	}
	return p, nil
}

// labNamespace returns the namespace of a lab target, resolving host:
// provider/host through ResolveLab.
func (r *Runner) labNamespace(t TargetSpec) (string, error) {
	if t.Host == "" {
		return t.Namespace, nil
	}
	if r.ResolveLab == nil {
		return "", fmt.Errorf("lab host %s: no lab resolver (Runner.ResolveLab is unset)", t.Host)
	}
	ns, err := r.ResolveLab(t.Host)
	if err != nil {
		return "", fmt.Errorf("resolving lab host %s: %w", t.Host, err)
	}
	return ns, nil
}

// labFixture returns the host-identity fixture root of a lab target named
// by host: provider/host, or "" when it has none or LabFixture is unset.
func (r *Runner) labFixture(t TargetSpec) (string, error) {
	if t.Host == "" || r.LabFixture == nil {
		return "", nil
	}
	root, err := r.LabFixture(t.Host)
	if err != nil {
		return "", fmt.Errorf("finding the fixture of lab host %s: %w", t.Host, err)
	}
	return root, nil
}
