// Package atlas is a client of the RIPE Atlas REST API (v2): the anchor
// list (GET anchors/, paginated) that "sovbench landmarks fetch" turns
// into a landmark file, and one-off ping measurements from Atlas probes
// towards a target (POST measurements/, GET measurements/{id}/ and
// measurements/{id}/results/), the "other direction" a host cannot speed up.
//
// The same code runs against atlas.ripe.net (DefaultAPI) and, in tests,
// against a loopback server serving recorded pages (atlas/atlastest).
//
// The user's API key (Key) is sent only in the Authorization header of
// measurement requests, only to the API root the client was built for:
// redirects are not followed, and a "next" page on another origin is
// refused. It never appears in an error, a log line or a report: Key
// prints as [redacted], and any echo of it in a response is scrubbed from
// error messages. Rate limits (HTTP 429, and 502/503/504) are retried
// after Retry-After, within the caller's deadline.
package atlas
