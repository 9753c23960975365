package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sovbench/sovbench/scenarios/run"
)

// barSteps is how many bar steps one probe is worth: a probe that counts
// its attempts moves the bar inside its share.
const barSteps = 100

// runBar returns the Runner.Progress that draws a run's bar on a terminal,
// nil otherwise or with --quiet (progress never reaches a pipe or a log
// file), and the function that ends the bar. The bar fills with finished
// probes plus the fraction the running ones report; its description counts
// probes and names the latest report ("probes 2/5 · web-1/egress 120/10000
// destinations"). The bar redraws at most every 100 ms however often
// probes report.
func (a *app) runBar(total int) (func(run.Progress), func()) {
	f, ok := a.stderr.(*os.File)
	if a.quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total*barSteps, progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(progressLabel(run.Progress{Total: total})),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	return func(p run.Progress) {
		if p.Total > 0 {
			bar.ChangeMax(p.Total * barSteps)
		}
		bar.Describe(progressLabel(p))
		_ = bar.Set(int(float64(p.Done*barSteps) + p.Running*barSteps))
	}, func() { _ = bar.Finish() }
}

// progressLabel describes p in one short line. Target and step names come
// from the suite; the unit comes from an agent, which may be hostile, so
// only plain letters, digits and spaces of it reach the terminal.
func progressLabel(p run.Progress) string {
	s := fmt.Sprintf("probes %d/%d", p.Done, p.Total)
	if l := p.Latest; l.Step != "" {
		s += fmt.Sprintf(" · %s/%s %d/%d %s", printable(l.Target), printable(l.Step), l.Done, l.Total, printable(l.Unit))
	}
	return s
}

// printable keeps the letters, digits, spaces and "-_./" of s, at most 40.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 40 {
			break
		}
		if r == ' ' || r == '-' || r == '_' || r == '.' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
