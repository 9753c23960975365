package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// executor runs one target's plan and emits the evidence it gets back.
type executor interface {
	execute(ctx context.Context, p plan.Plan, emit func(results.Evidence)) error
}

// localExecutor runs probes in this process, in env.
type localExecutor struct{ env plan.Env }

func (l localExecutor) execute(ctx context.Context, p plan.Plan, emit func(results.Evidence)) error {
	env := l.env
	env.Progress = progressFrom(ctx)
	plan.RunPlan(ctx, p, env, emit)
	return nil
}

// commandExecutor runs "sovbench agent --stdio" through a command prefix
// (ip netns exec NS, ssh ...), sends it the plan and reads evidence lines.
type commandExecutor struct {
	argv []string
}

// labAgentArgv is the command that runs the agent on lab host h: inside its
// namespace and, when the host has a fixture, told so by the hidden
// --lab-fixture flag (never by the plan, which a verifier could write).
func labAgentArgv(agent string, h LabHost) []string {
	argv := []string{"ip", "netns", "exec", h.Namespace, agent, "agent", "--stdio"}
	if h.Fixture != "" {
		argv = append(argv, "--"+plan.LabFixtureFlag, h.Fixture)
	}
	return argv
}

func (c commandExecutor) execute(ctx context.Context, p plan.Plan, emit func(results.Evidence)) error {
	body, err := json.Marshal(p)
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
	decodeErr := readAgent(out, emit, progressFrom(ctx))
	waitErr := cmd.Wait()
	if waitErr != nil && ctx.Err() == nil {
		return errors.Join(decodeErr, fmt.Errorf("agent %s: %w: %s", strings.Join(c.argv, " "), waitErr, strings.TrimSpace(stderr.String())))
	}
	return decodeErr
}

func (r *Runner) executorFor(t suite.TargetSpec) (executor, error) {
	switch t.Kind {
	case "local":
		return localExecutor{env: r.LocalEnv}, nil
	case "lab":
		agent, err := r.agentPath()
		if err != nil {
			return nil, err
		}
		h, err := r.labHost(t)
		if err != nil {
			return nil, err
		}
		return commandExecutor{argv: labAgentArgv(agent, h)}, nil
	case "ssh":
		agent, err := r.agentPath()
		if err != nil {
			return nil, err
		}
		return sshExecutor{address: t.Address, spec: *t.SSH, agent: agent, dial: r.Dial, lim: r.Limits}, nil
	}
	return nil, fmt.Errorf("no executor for target kind %q", t.Kind)
}

func (r *Runner) agentPath() (string, error) {
	if r.AgentPath != "" {
		return r.AgentPath, nil
	}
	return DefaultAgent()
}

// SlimAgent is the file name of the slim agent binary (cmd/sovbench-agent).
const SlimAgent = "sovbench-agent"

// DefaultAgent is the agent binary a runner uses when none is named: the
// slim agent (SlimAgent) in the directory of this executable, where
// scripts/demo and release archives put it, or else this executable
// itself (the sovbench CLI acts as agent too, at a larger copy and
// start-up cost).
func DefaultAgent() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the agent binary: %w", err)
	}
	slim := filepath.Join(filepath.Dir(exe), SlimAgent)
	if fi, err := os.Stat(slim); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return slim, nil
	}
	return exe, nil
}

// labHost returns the namespace (and fixture) of a lab target. A target
// named by namespace has no fixture; one named by host: provider/host is
// looked up in Labs.
func (r *Runner) labHost(t suite.TargetSpec) (LabHost, error) {
	if t.Host == "" {
		return LabHost{Namespace: t.Namespace}, nil
	}
	if r.Labs == nil {
		return LabHost{}, fmt.Errorf("lab host %s: no running labs to find it in (Runner.Labs is unset)", t.Host)
	}
	h, err := r.Labs.LabHost(t.Host)
	if err != nil {
		return LabHost{}, fmt.Errorf("resolving lab host %s: %w", t.Host, err)
	}
	return h, nil
}
