// Package borders holds the country outlines (Natural Earth 1:50m, 1:10m
// for small island territories; see geo/data/ATTRIBUTION.md and
// scripts/gen-geodata) and what needs them: looking a country up by ISO
// alpha-2 code, relating a solved region to a country, and the outlines a
// map draws.
//
// It is geo's data, apart from geo's math: the outlines are 2.2 MB, and the
// agent that runs on hosts solves regions (geo) but never relates them to
// countries, so it must not link them (cmd/sovbench-agent's deps test).
// Relating happens on the auditor's side: the location claims and the
// report maps.
package borders
