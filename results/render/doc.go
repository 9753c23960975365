// Package render presents reports and runs to people: tables (Grid, drawn
// by WriteGrid as text, markdown, CSV or JSON; the one place that uses
// tablewriter), the compare table that puts providers side by side, a
// report as Markdown, and a report as one self-contained HTML page with its
// charts and its map (drawn by package geo from the rtt evidence).
//
// Nothing is verified here: callers pass a line about the signature when
// they have checked one.
package render
