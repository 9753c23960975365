// Package run runs suites one shot: Runner.Run builds one plan per target
// (scenarios/plan), executes it in process for local targets, as
// "ip netns exec NS <agent> agent --stdio" for lab targets (found through
// the Labs interface, which the lab implements) and over SSH, keeps the
// evidence gathered when a run is cut short, and evaluates the claims
// (scenarios/claims) into a report.
package run
