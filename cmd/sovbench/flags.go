package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/sovbench/sovbench/results/render"
)

// The flag names every command shares (docs/cli.md). A key flag says
// which half of a key pair it takes, so a private key is never handed to a
// verifier by habit, nor a public key to a signer.
const (
	signingKeyFlag = "signing-key" // a private key that signs
	trustedKeyFlag = "trusted-key" // public keys trusted to verify
	outFlag        = "out"         // the one file or directory a command writes
	retiredKeyFlag = "key"         // split into the two above; refused
)

// addSigningKey adds --signing-key (a private key file) to cmd.
func addSigningKey(cmd *cobra.Command, p *string, usage string) {
	cmd.Flags().StringVar(p, signingKeyFlag, "", usage)
	addRetiredKey(cmd)
}

// addTrustedKey adds --trusted-key (a public key file or a directory of
// them) to cmd.
func addTrustedKey(cmd *cobra.Command, p *string, usage string) {
	cmd.Flags().StringVar(p, trustedKeyFlag, "", usage)
	addRetiredKey(cmd)
}

// addOut adds --out, the path a command writes to.
func addOut(cmd *cobra.Command, p *string, usage string) {
	cmd.Flags().StringVar(p, outFlag, "", usage)
}

// addRetiredKey adds a hidden --key that checkRetiredFlags refuses with the
// name of the flag meant: --key used to take a private key on some commands
// and a public one on others.
func addRetiredKey(cmd *cobra.Command) {
	if cmd.Flags().Lookup(retiredKeyFlag) != nil {
		return
	}
	cmd.Flags().String(retiredKeyFlag, "", "retired: use --signing-key or --trusted-key")
	_ = cmd.Flags().MarkHidden(retiredKeyFlag) // cannot fail: defined just above
}

// checkRetiredFlags refuses --key, naming the flag this command takes.
func checkRetiredFlags(cmd *cobra.Command) error {
	f := cmd.Flags().Lookup(retiredKeyFlag)
	if f == nil || !f.Changed {
		return nil
	}
	var meant []string
	if cmd.Flags().Lookup(signingKeyFlag) != nil {
		meant = append(meant, "--signing-key PRIVATE-KEY (the key that signs)")
	}
	if cmd.Flags().Lookup(trustedKeyFlag) != nil {
		meant = append(meant, "--trusted-key PUBLIC-KEY (the key that verifies)")
	}
	return fmt.Errorf("%s: --key is no longer accepted; say %s", cmd.CommandPath(), strings.Join(meant, " or "))
}

// strictBool is a boolean flag that takes only "true" or "false" as a value
// (pflag also takes 1, t, T, TRUE, 0, f, F, FALSE…): a typo such as
// --no-verify=no must not be read as a decision.
type strictBool struct{ pflag.Value }

func (b strictBool) Set(s string) error {
	if s != "true" && s != "false" {
		return fmt.Errorf("want true or false, found %q", s)
	}
	return b.Value.Set(s)
}

// IsBoolFlag lets the flag be given without a value (--flag means true).
func (b strictBool) IsBoolFlag() bool { return true }

// strictBooleans makes every boolean flag of cmd and its sub-commands a
// strictBool.
func strictBooleans(cmd *cobra.Command) {
	wrap := func(f *pflag.Flag) {
		if f.Value.Type() == "bool" {
			if _, done := f.Value.(strictBool); !done {
				f.Value = strictBool{f.Value}
			}
		}
	}
	cmd.Flags().VisitAll(wrap)
	cmd.PersistentFlags().VisitAll(wrap)
	for _, c := range cmd.Commands() {
		strictBooleans(c)
	}
}

// checkFormat refuses an --output format the command cannot write, naming
// those it can.
func (a *app) checkFormat(cmd *cobra.Command, formats ...string) error {
	if slices.Contains(formats, a.output) {
		return nil
	}
	return usageErr(fmt.Errorf("%s: cannot write -o %s (it writes %s)", cmd.CommandPath(), a.output, strings.Join(formats, ", ")))
}

// textOptions are how text tables fit: the width of the terminal on
// standard output, else $COLUMNS, else render.DefaultWidth; --wide.
func (a *app) textOptions() render.TextOptions {
	o := render.TextOptions{Wide: a.wide}
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			o.Width = w
			return o
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		o.Width = n
	}
	return o
}

// writeGrid writes a table in the --output format, text fitted to the
// terminal (render.WriteFit).
func (a *app) writeGrid(g render.Grid) error {
	return render.WriteFit(a.stdout, g, a.output, a.textOptions())
}
