package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sovbench/sovbench/internal/progressline"
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
		progressbar.OptionSetDescription(progressline.Label(run.Progress{Total: total})),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	return func(p run.Progress) {
		if p.Total > 0 {
			bar.ChangeMax(p.Total * barSteps)
		}
		bar.Describe(progressline.Label(p))
		_ = bar.Set(int(float64(p.Done*barSteps) + p.Running*barSteps))
	}, func() { _ = bar.Finish() }
}
