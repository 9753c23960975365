// Package store keeps reports on disk and indexes them: report files
// (written atomically to <results dir>/<provider>/<UTC time>-<run id>.json,
// plain or signed, read back either way), the run records and key
// measurements derived from them, the SQLite index of a results directory
// (a cache, rebuilt from the files) with its JSON-lines export, and the run
// tables' schema and row statements (Dialect).
//
// A signed report is read WITHOUT checking its signature (package verify
// does that). store does not log.
package store
