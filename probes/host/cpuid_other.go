//go:build !amd64 && !386

package host

import "runtime"

// liveCPUID: CPUID is an x86 instruction.
func liveCPUID() cpuidInfo {
	return cpuidInfo{Source: "cpuid: not available on " + runtime.GOARCH}
}
