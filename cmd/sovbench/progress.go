package main

import (
	"math"
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

// barStats is the room a bar line keeps beside its label: " 100% |", a
// few bar cells, "|  [12m34s:56m07s]" and a spare column.
const barStats = 30

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
	// The label is cut so that it, the percentage, the elapsed and left
	// times and a bar of at least a few cells fit the terminal (the bar
	// library narrows its bar but never the label): a line that wraps
	// cannot be redrawn in place.
	// A terminal that does not say its width (0 columns) gets the whole
	// label, as the library then draws its full bar.
	room := math.MaxInt
	if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
		room = max(width-barStats, 20)
	}
	label := func(p run.Progress) string { return progressline.Cut(progressline.Label(p), room) }
	bar := progressbar.NewOptions(total*barSteps, progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(label(run.Progress{Total: total})),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	return func(p run.Progress) {
		if p.Total > 0 {
			bar.ChangeMax(p.Total * barSteps)
		}
		bar.Describe(label(p))
		_ = bar.Set(int(float64(p.Done*barSteps) + p.Running*barSteps))
	}, func() { _ = bar.Finish() }
}
