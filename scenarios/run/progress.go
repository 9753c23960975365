package run

import (
	"context"

	"github.com/sovbench/sovbench/scenarios/plan"
)

// Progress is how far a run has got, for a person watching it (the CLI's
// progress bar). Nothing in it reaches the report.
type Progress = plan.RunProgress

// Attempt is one progress report of a running step: Done of Total units
// (egress destinations, rtt samples) of the step on the target.
type Attempt = plan.Attempt

type progressKey struct{}

// withProgress hands an executor the sink of its plan's step reports.
func withProgress(ctx context.Context, f func(plan.StepProgress)) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, f)
}

// progressFrom is the sink withProgress put in ctx, nil if none.
func progressFrom(ctx context.Context) func(plan.StepProgress) {
	f, _ := ctx.Value(progressKey{}).(func(plan.StepProgress))
	return f
}
