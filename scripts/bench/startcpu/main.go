// Command startcpu measures the CPU time (user + system) a command takes
// from exec to exit, over many runs interleaved between the commands given,
// so that load from other work on a shared machine spreads over all of
// them alike. scripts/bench/agent.sh runs it.
//
//	startcpu -runs 100 -stdin plan.json -- NAME=CMD [ARG...] -- NAME=CMD ...
//
// For each command it prints the file size of CMD, the mean, the median
// and the 10th percentile of the CPU time per run, and the median of the
// minor page faults per run (ru_minflt): on a virtual machine a page's
// first touch costs about 12 µs, so pages touched are much of a start's
// CPU time. A run that exits non-zero is an error: a failing start is not
// a start.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type command struct {
	name   string
	argv   []string
	cpu    []time.Duration
	faults []int64 // each run's minor page faults
}

func main() {
	runs := flag.Int("runs", 100, "runs of each command")
	stdin := flag.String("stdin", "", "file given as standard input to every run")
	flag.Parse()
	cmds, err := parseCommands(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "startcpu:", err)
		os.Exit(2)
	}
	var in []byte
	if *stdin != "" {
		if in, err = os.ReadFile(*stdin); err != nil {
			fmt.Fprintln(os.Stderr, "startcpu:", err)
			os.Exit(2)
		}
	}
	for range *runs {
		for _, c := range cmds {
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Stdin = bytes.NewReader(in)
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "startcpu: %s: %v: %s\n", c.name, err, out)
				os.Exit(1)
			}
			c.cpu = append(c.cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				c.faults = append(c.faults, ru.Minflt)
			}
		}
	}
	for _, c := range cmds {
		fi, err := os.Stat(c.argv[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "startcpu:", err)
			os.Exit(1)
		}
		slices.Sort(c.cpu)
		var sum time.Duration
		for _, d := range c.cpu {
			sum += d
		}
		ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
		fmt.Printf("%-16s %6.2f MB  CPU per start: mean %6.2f ms  median %6.2f ms  p10 %6.2f ms  faults %4d  (%d runs)\n", c.name,
			float64(fi.Size())/1e6, ms(sum/time.Duration(len(c.cpu))), ms(c.cpu[len(c.cpu)/2]), ms(c.cpu[len(c.cpu)/10]),
			median(c.faults), len(c.cpu))
	}
}

// median is the middle of v (sorted in place), 0 for none.
func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// parseCommands splits "NAME=CMD ARG... -- NAME=CMD ..." into commands.
func parseCommands(args []string) ([]*command, error) {
	var out []*command
	for len(args) > 0 {
		i := slices.Index(args, "--")
		if i < 0 {
			i = len(args)
		}
		name, bin, ok := strings.Cut(args[0], "=")
		if !ok || i == 0 {
			return nil, fmt.Errorf("want NAME=CMD [ARG...], found %q", args[0])
		}
		out = append(out, &command{name: name, argv: append([]string{bin}, args[1:i]...)})
		args = args[min(i+1, len(args)):]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no command given")
	}
	return out, nil
}
