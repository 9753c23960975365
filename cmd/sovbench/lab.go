package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/results/render"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// cliHolder marks the labs "sovbench lab up" holds.
const cliHolder = "sovbench lab up"

func (a *app) labCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run simulated providers in network namespaces (tests and demo)",
		Long: `lab builds simulated providers from real network namespaces on this machine:
hosts with egress policies, an "internet", landmarks at emulated distances,
sinks that record leaks, instance-metadata servers. It needs root.`,
		Example: "  sudo sovbench lab up lab/testdata/demo.yaml\n  sudo sovbench lab status -o json\n  sudo sovbench lab exec clarence/vm1 -- ping -c1 198.19.1.1\n  sudo sovbench lab down",
	}
	cmd.AddCommand(a.labUpCommand(), a.labDownCommand(), a.labStatusCommand(), a.labExecCommand())
	return cmd
}

func (a *app) labUpCommand() *cobra.Command {
	var name string
	var detach bool
	cmd := &cobra.Command{
		Use:   "up FILE",
		Short: "Start a lab and hold it until SIGINT or SIGTERM",
		Long: `up builds the lab described by FILE and keeps its forwarder and services
running in this process until SIGINT or SIGTERM, then removes it. With
--detach it runs in the background and returns once the lab is ready.`,
		Example: "  sovbench lab up lab/testdata/demo.yaml\n  sovbench lab up --detach --name demo2 lab/testdata/demo.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topo, err := lab.Load(cmd.Context(), args[0], a.limits)
			if err != nil {
				var ce *suite.ConfigError
				var tl *limits.TooLargeError
				if errors.As(err, &ce) || errors.As(err, &tl) || errors.Is(err, os.ErrNotExist) {
					return usageErr(err)
				}
				return runtimeErr(err)
			}
			if name == "" {
				name = topo.Name
			}
			if detach {
				return a.labDetach(cmd.Context(), args[0], name)
			}
			l, err := lab.Up(cmd.Context(), topo, lab.Options{Log: a.log, Name: name, Holder: cliHolder})
			if err != nil {
				return runtimeErr(err)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "lab %s is up (%d namespaces, state in %s); SIGINT or SIGTERM stops it\n",
					name, len(l.State.Namespaces), l.State.Dir())
			}
			<-cmd.Context().Done()
			if err := l.Down(); err != nil {
				return runtimeErr(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "lab name (default: the file's lab: name)")
	cmd.Flags().BoolVar(&detach, "detach", false, "run in the background; return when the lab is ready")
	return cmd
}

// labDetach starts "lab up" again in its own session and waits for it.
func (a *app) labDetach(ctx context.Context, file, name string) error {
	self, err := os.Executable()
	if err != nil {
		return runtimeErr(fmt.Errorf("finding own binary: %w", err))
	}
	logPath := filepath.Join(os.TempDir(), "sovbench-lab-"+name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return runtimeErr(fmt.Errorf("creating lab log: %w", err))
	}
	defer logf.Close()
	c := exec.Command(self, "lab", "up", "--name", name, file)
	c.Stdout, c.Stderr = logf, logf
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return runtimeErr(fmt.Errorf("starting lab process: %w", err))
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		if s, err := lab.ReadState(name); err == nil && s.Ready && s.PID == c.Process.Pid {
			fmt.Fprintf(a.stdout, "lab %s is up (pid %d, log %s)\n", name, s.PID, logPath)
			return nil
		}
		select {
		case err := <-exited:
			data, _ := os.ReadFile(logPath)
			return runtimeErr(fmt.Errorf("lab process ended (%v): %s", err, strings.TrimSpace(string(data))))
		case <-deadline:
			return runtimeErr(fmt.Errorf("lab %s not ready after 2 minutes; see %s", name, logPath))
		case <-ctx.Done():
			return runtimeErr(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *app) labDownCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "down [NAME]",
		Short: "Stop a lab and remove its namespaces (without NAME: CLI-held and stale labs)",
		Long: `down stops the lab's process (SIGTERM, SIGKILL after 10 s) and removes every
namespace, device and file it created. It also cleans up after a lab whose
process was killed. Without NAME it stops the labs "sovbench lab up" holds
and removes stale ones; labs that tests hold are left alone.`,
		Example: "  sovbench lab down demo\n  sovbench lab down",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			names := args
			if len(names) == 0 {
				labs, err := lab.List()
				if err != nil {
					return runtimeErr(err)
				}
				// Without a name: labs started by this command, and stale
				// labs; never a live lab a test or another program holds.
				for _, s := range labs {
					if s.Holder == cliHolder || !s.Alive() {
						names = append(names, s.Name)
					}
				}
			}
			var errs []error
			for _, n := range names {
				if err := lab.Stop(cmd.Context(), n, 10*time.Second); err != nil {
					errs = append(errs, err)
					continue
				}
				if !a.quiet {
					fmt.Fprintf(a.stderr, "lab %s is down\n", n)
				}
			}
			if len(errs) > 0 {
				return runtimeErr(errors.Join(errs...))
			}
			return nil
		},
	}
}

func (a *app) labStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show labs: ground truth, hosts, reachability, counters, sink arrivals",
		Long: `status prints every lab (or NAME): each provider's ground truth (coordinates,
country, operator), each host's namespace, addresses, egress policy and the
destinations it can reach, the forwarder's counters (refreshed every second)
and what the sinks recorded. -o json prints all of it.`,
		Example: "  sovbench lab status\n  sovbench lab status -o json demo",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			labs, err := lab.List()
			if err != nil {
				return runtimeErr(err)
			}
			out := []*lab.Status{}
			for _, s := range labs {
				if len(args) == 1 && s.Name != args[0] {
					continue
				}
				st, err := lab.ReadStatus(cmd.Context(), s.Name)
				if err != nil {
					return runtimeErr(err)
				}
				out = append(out, st)
			}
			if len(args) == 1 && len(out) == 0 {
				return usageErr(fmt.Errorf("no lab named %s", args[0]))
			}
			if a.output == "json" {
				return writeJSON(a.stdout, out)
			}
			return render.WriteGrid(a.stdout, statusGrid(out), a.output)
		},
	}
}

// statusGrid has one row per host: its lab, provider truth, policy and reach.
func statusGrid(labs []*lab.Status) render.Grid {
	g := render.Grid{Header: []string{"lab", "host", "namespace", "address", "provider truth", "egress", "reach"}}
	for _, s := range labs {
		state := "running"
		if !s.Running {
			state = "stale (run lab down)"
		}
		if s.Topology == nil {
			g.Rows = append(g.Rows, []string{s.Name, "", "", "", "", "", state})
			continue
		}
		for _, p := range s.Topology.Providers {
			truth := fmt.Sprintf("%s, %s (%.2f, %.2f)", p.Operator, p.Country, p.Location.Lat, p.Location.Lon)
			for _, h := range p.Hosts {
				var reach []string
				for _, r := range h.Reach {
					reach = append(reach, r.String())
				}
				g.Rows = append(g.Rows, []string{s.Name + " (" + state + ")", h.Name, h.Namespace, h.Addrs[0].String(),
					truth, h.Egress.Policy, strings.Join(reach, "; ")})
			}
		}
		g.Rows = append(g.Rows, []string{s.Name, "sink arrivals", "", "", "", "", fmt.Sprint(len(s.Arrivals))})
	}
	return g
}

func (a *app) labExecCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "exec HOST -- CMD [ARG...]",
		Short: "Run a command inside a lab host's namespace",
		Long: `exec runs CMD in the network namespace of HOST (provider/host, or
lab:provider/host when several labs run), like ip netns exec.`,
		Example: "  sovbench lab exec clarence/vm1 -- ip addr\n  sovbench lab exec demo:leaky/vm1 -- curl -s http://198.19.1.1/",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := lab.Running{}.LabHost(args[0])
			if err != nil {
				return usageErr(err)
			}
			c := exec.CommandContext(cmd.Context(), "ip", append([]string{"netns", "exec", h.Namespace}, args[1:]...)...)
			c.Stdin, c.Stdout, c.Stderr = os.Stdin, a.stdout, a.stderr
			if err := c.Run(); err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return &exitError{ee.ExitCode(), fmt.Errorf("%s exited with %d", args[1], ee.ExitCode())}
				}
				return runtimeErr(err)
			}
			return nil
		},
	}
}
