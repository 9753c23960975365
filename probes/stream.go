package probes

import "context"

type streamKey struct{}

// WithStreamedEvidence marks ctx as run by a writer of evidence lines that
// reads an egress record's destinations from its Stream
// (results.EgressDetails.Stream, results.WriteEvidenceJSON): a probe may
// then keep a large sweep's destinations compactly instead of building
// them all. Only the agent's stdio writer sets it; every other caller of a
// probe gets Destinations.
func WithStreamedEvidence(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamKey{}, true)
}

// StreamsEvidence reports whether ctx was marked by WithStreamedEvidence.
func StreamsEvidence(ctx context.Context) bool {
	b, _ := ctx.Value(streamKey{}).(bool)
	return b
}
