// Package labtest lets any package's tests stand up a small lab in a few
// lines:
//
//	l := labtest.Up(t, `lab: mini
//	internet: {location: {lat: 50.11, lon: 8.68}}
//	providers:
//	  - name: acme
//	    location: {lat: 49.61, lon: 6.13}
//	    egress: {policy: none}
//	    hosts: [{name: vm}]`)
//	out := labtest.Exec(t, l, "acme/vm", "ip", "addr")
//
// The lab is removed with t.Cleanup. Without root the test is skipped, or
// fails when CI=true (CI runs as root and must not skip lab tests).
package labtest
