//go:build amd64 || 386

package host

import "strings"

// cpuidRaw executes CPUID with EAX = leaf and ECX = sub (cpuid_x86.s).
func cpuidRaw(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// liveCPUID reads the CPUID instruction of the machine running the probe,
// only when asked (a CPUID library that detects every feature at package
// init would cost each agent start its traps to the hypervisor).
func liveCPUID() cpuidInfo {
	maxLeaf, b, c, d := cpuidRaw(0, 0)
	info := cpuidInfo{Known: true, Vendor: regString(b, d, c), Source: "cpuid"}
	if maxLeaf >= 1 {
		_, _, c, _ := cpuidRaw(1, 0)
		info.HypervisorBit = c&(1<<31) != 0
	}
	if info.HypervisorBit {
		_, b, c, d := cpuidRaw(0x40000000, 0)
		info.Signature = regString(b, c, d)
	}
	info.Brand = "unknown"
	if maxExt, _, _, _ := cpuidRaw(0x80000000, 0); maxExt >= 0x80000004 {
		var regs []uint32
		for leaf := uint32(0x80000002); leaf <= 0x80000004; leaf++ {
			a, b, c, d := cpuidRaw(leaf, 0)
			regs = append(regs, a, b, c, d)
		}
		info.Brand = strings.TrimSpace(regString(regs...))
	}
	return info
}

// regString is the bytes of registers in order, little-endian, up to the
// first NUL.
func regString(regs ...uint32) string {
	var s []byte
	for _, r := range regs {
		for i := range 4 {
			c := byte(r >> (8 * i))
			if c == 0 {
				return string(s)
			}
			s = append(s, c)
		}
	}
	return string(s)
}
