package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/scenarios/scaffold"
)

// asker asks the questions of sovbench init on a terminal.
type asker struct {
	in  *lineReader
	out io.Writer
}

// question asks one question with a default; an empty answer takes it.
func (q *asker) question(prompt, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(q.out, "%s [%s]: ", prompt, def)
	} else {
		fmt.Fprintf(q.out, "%s: ", prompt)
	}
	s, err := q.in.line()
	if err != nil {
		return "", err
	}
	if s == "" {
		return def, nil
	}
	return s, nil
}

// yes asks a yes/no question.
func (q *asker) yes(prompt string, def bool) (bool, error) {
	d := "y/N"
	if def {
		d = "Y/n"
	}
	s, err := q.question(prompt+" ("+d+")", "")
	if err != nil {
		return false, err
	}
	if s == "" {
		return def, nil
	}
	return strings.HasPrefix(strings.ToLower(s), "y"), nil
}

// list splits a comma- or space-separated answer.
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// ask fills in every answer whose flag was not given (changed says which
// were), in the order an auditor knows them.
func (q *asker) ask(o *scaffold.Options, changed func(string) bool) error {
	fmt.Fprintln(q.out, "sovbench init: a first suite for auditing a provider. Empty answers take the [default].")
	str := func(flag, prompt string, v *string) error {
		if changed(flag) {
			return nil
		}
		s, err := q.question(prompt, *v)
		*v = s
		return err
	}
	steps := []func() error{
		func() error { return str("provider", "Provider name", &o.Provider) },
		func() error { return q.hosts(o, changed) },
		func() error { return str("ssh-user", "SSH user on the hosts", &o.User) },
		func() error { return str("ssh-key", "SSH private key file", &o.Key) },
		func() error {
			return str("known-hosts", "known_hosts file with the hosts' keys (get them from the provider over a channel you trust)", &o.KnownHosts)
		},
		func() error { return q.families(o, changed) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return q.familyAnswers(o, str, changed)
}

func (q *asker) hosts(o *scaffold.Options, changed func(string) bool) error {
	if changed("hosts") {
		return nil
	}
	s, err := q.question("Hosts to audit (SSH addresses, comma-separated)", strings.Join(o.Hosts, ","))
	o.Hosts = list(s)
	return err
}

func (q *asker) families(o *scaffold.Options, changed func(string) bool) error {
	if changed("families") {
		return nil
	}
	fmt.Fprintln(q.out, "Claim families:")
	for _, f := range scaffold.Families {
		fmt.Fprintf(q.out, "  %-13s %s\n", f, scaffold.FamilyDoc[f])
	}
	s, err := q.question("Which families (comma-separated)", "host,egress,location,tpm,jurisdiction")
	o.Families = list(s)
	return err
}

// familyAnswers asks what the chosen families need.
func (q *asker) familyAnswers(o *scaffold.Options, str func(string, string, *string) error, changed func(string) bool) error {
	has := func(f string) bool { return slices.Contains(o.Families, f) }
	if has("location") || has("inbound") {
		if err := str("country", "Country the provider says the hosts are in (ISO code, e.g. LU)", &o.Country); err != nil {
			return err
		}
		if err := str("near", "City to choose the nearest anchors around (empty: the country's largest)", &o.Near); err != nil {
			return err
		}
	}
	if has("egress") {
		if !changed("disconnected") {
			d, err := q.yes("Does the provider say the hosts reach nothing outside it (disconnected)?", o.Disconnected)
			if err != nil {
				return err
			}
			o.Disconnected = d
		}
		if err := str("control", "A service inside the provider that must answer, host:port (the positive control)", &o.Control); err != nil {
			return err
		}
	}
	if has("jurisdiction") {
		if err := str("operator", "Operating company (as the jurisdiction registry names it)", &o.Operator); err != nil {
			return err
		}
	}
	if has("controlplane") {
		return str("control-plane", "The provider's control-plane API URL (https://...)", &o.ControlPlane)
	}
	return nil
}
