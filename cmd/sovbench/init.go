package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/scenarios/scaffold"
	"github.com/sovbench/sovbench/scenarios/suite"
)

const initLong = `init writes a first suite for auditing a real provider: ssh targets, the probes
of the claim families you choose (with public destinations, and RIPE Atlas
anchors near the provider's region as landmarks) and the claims they decide.

On a terminal it asks for what the flags did not say; otherwise (or with
--no-input) the flags must say it all. When the landmark file is there, the
suite pins its SHA-256 and is checked by parsing it; fetch it first with
"sovbench landmarks fetch --out landmarks/atlas-anchors.json".

Families: host, egress, location, inbound, controlplane, tpm, jurisdiction.
docs/audit-a-provider.md explains every step of an audit.`

const initExample = `  sovbench init
  sovbench init --out clarence.yaml --provider Clarence --hosts 203.0.113.10,203.0.113.11 \
    --ssh-user auditor --ssh-key ~/.ssh/audit_ed25519 --known-hosts audit_known_hosts \
    --families host,egress,location,tpm,jurisdiction --country LU --disconnected \
    --control 10.0.0.53:53 --operator Clarence`

func (a *app) initCommand() *cobra.Command {
	var o scaffold.Options
	var out string
	var noInput, force bool
	cmd := &cobra.Command{
		Use: "init", Short: "Write a first suite for auditing a real provider (asks on a terminal)",
		Long: initLong, Example: initExample, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f, ok := cmd.InOrStdin().(*os.File); ok && !noInput && term.IsTerminal(int(f.Fd())) {
				q := &asker{in: newLineReader(f), out: a.stderr}
				if err := q.ask(&o, cmd.Flags().Changed); err != nil {
					return usageErr(err)
				}
			}
			return a.writeInit(o, out, force)
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "suite.yaml", "the suite file to write")
	f.BoolVar(&force, "force", false, "overwrite the suite file if it exists")
	f.BoolVar(&noInput, "no-input", false, "never ask, even on a terminal")
	f.StringVar(&o.Provider, "provider", "", "the provider's name")
	f.StringSliceVar(&o.Hosts, "hosts", nil, "hosts to log in to over SSH (public IP addresses for inbound)")
	f.StringVar(&o.User, "ssh-user", "", "SSH user on the hosts")
	f.StringVar(&o.Key, "ssh-key", "", "SSH private key file")
	f.StringVar(&o.KnownHosts, "known-hosts", "", "known_hosts file holding the hosts' keys (always checked)")
	f.StringSliceVar(&o.Families, "families", nil, "claim families: "+strings.Join(scaffold.Families, ","))
	f.StringVar(&o.Country, "country", "", "country the provider says the hosts are in (ISO code, e.g. LU)")
	f.StringVar(&o.Near, "near", "", "place to choose the nearest anchors around (default: the country's largest city)")
	f.StringVar(&o.Landmarks, "landmarks", "landmarks/atlas-anchors.json", "landmark file (sovbench landmarks fetch)")
	f.BoolVar(&o.Disconnected, "disconnected", false, "the provider says its hosts reach nothing outside it")
	f.StringVar(&o.Control, "control", "", "egress positive control: host:port of a service inside the provider that must answer")
	f.StringVar(&o.Operator, "operator", "", "operating company, as the jurisdiction registry names it")
	f.StringVar(&o.ControlPlane, "control-plane", "", "the provider's control-plane API URL (https://...)")
	f.StringVar(&o.EKRoots, "ek-roots", "", "directory of TPM makers' EK root CAs (default /etc/sovbench/ek-roots)")
	return cmd
}

// writeInit checks the answers, pins the landmark file when it is there,
// writes the suite and, when it could pin, checks it parses.
func (a *app) writeInit(o scaffold.Options, out string, force bool) error {
	if err := o.Check(); err != nil {
		return usageErr(fmt.Errorf("init: %w", err))
	}
	set, lerr := landmarks.Read(context.Background(), o.Landmarks, a.limits)
	if lerr == nil {
		o.SHA256 = set.SHA256
	}
	y, err := scaffold.Write(o)
	if err != nil {
		return usageErr(err)
	}
	if _, err := os.Stat(out); err == nil && !force {
		return usageErr(fmt.Errorf("init: %s exists (say --force to overwrite it, or --out another file)", out))
	}
	if lerr == nil {
		if _, err := suite.ParseLimited(out, y, a.limits); err != nil {
			return runtimeErr(fmt.Errorf("init: the written suite does not parse (a bug): %w", err))
		}
	}
	if err := atomicfile.Write(out, y, 0o644); err != nil {
		return runtimeErr(fmt.Errorf("init: writing %s: %w", out, err))
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "wrote %s\n", out)
		if lerr != nil {
			fmt.Fprintf(a.stderr, "next: sovbench landmarks fetch --out %s (the suite's landmarks), then copy the sha256 it prints into each landmark_set (or run init again with --force)\n", o.Landmarks)
		}
		fmt.Fprintf(a.stderr, "review it (docs/audit-a-provider.md), then: sovbench run %s\n", out)
	}
	return nil
}

// errNoAnswer is the end of input before every question was answered.
var errNoAnswer = errors.New("init: input ended before every question was answered")

// lineReader reads answers a line at a time.
type lineReader struct{ r io.Reader }

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: r} }

// line reads up to a newline, one byte at a time (nothing is read ahead of
// the answer, so a terminal's next line stays for the next question).
func (l *lineReader) line() (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := l.r.Read(buf)
		if n == 1 && buf[0] == '\n' {
			return strings.TrimSpace(b.String()), nil
		}
		if n == 1 {
			b.WriteByte(buf[0])
		}
		if err != nil {
			if err == io.EOF && b.Len() > 0 {
				return strings.TrimSpace(b.String()), nil
			}
			return "", errNoAnswer
		}
	}
}
