// Package seed holds the seed suites (disconnected, trusted-cloud,
// eu-residency, no-foreign-replication, no-third-party-telemetry,
// jurisdiction) as embedded templates, and their binding: Binding names
// what a template needs to run against one provider (its host, operator of
// record, controls, far ends, landmarks), Render fills a template in and
// parses the suite.
//
// It is pure: it knows nothing of the lab. The seed demo (lab/seed) binds
// the templates to the providers of its lab and runs them.
package seed
