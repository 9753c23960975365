package host

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// cpuidInfo is what the CPUID instruction says about the processor and any
// hypervisor. Known is false where CPUID cannot be read (not x86, or a
// fixture tree without a CPUID file).
type cpuidInfo struct {
	Known         bool
	HypervisorBit bool   // leaf 1 ECX bit 31
	Signature     string // leaf 0x40000000 EBX:ECX:EDX, NULs trimmed
	Vendor        string // leaf 0 vendor string
	Brand         string // leaves 0x80000002-4
	Source        string
}

// CPUIDFixture is the path, relative to a lab fixture tree (NewFixture),
// of the file that stands in for the CPUID instruction. A tree that is not
// the running machine cannot be asked through CPUID, so fixture trees (and
// lab hosts that fake a platform) state what CPUID would return:
//
//	# comment
//	hypervisor_bit: 1
//	hypervisor_signature: KVMKVMKVM     (quote it to keep spaces: "bhyve bhyve ")
//	vendor: GenuineIntel
//	brand: Intel(R) Xeon(R) CPU @ 2.20GHz
//
// It is a test seam: a probe of the machine it runs on (NewHost) always uses
// the real instruction and never reads this file, even one planted at
// /.sovbench/cpuid.
const CPUIDFixture = ".sovbench/cpuid"

// parseCPUIDFixture parses the CPUIDFixture format. Errors name the file,
// line and field.
func parseCPUIDFixture(name string, data []byte) (cpuidInfo, error) {
	info := cpuidInfo{Known: true, Source: name}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, val, ok := strings.Cut(text, ":")
		if !ok {
			return cpuidInfo{}, fmt.Errorf("%s:%d: want `field: value`, got %q", name, line, text)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if strings.HasPrefix(val, `"`) {
			uq, err := strconv.Unquote(val)
			if err != nil {
				return cpuidInfo{}, fmt.Errorf("%s:%d: %s: unquoting %s: %w", name, line, key, val, err)
			}
			val = uq
		}
		switch key {
		case "hypervisor_bit":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return cpuidInfo{}, fmt.Errorf("%s:%d: hypervisor_bit: %q is not 0, 1, true or false", name, line, val)
			}
			info.HypervisorBit = b
		case "hypervisor_signature":
			if len(val) > 12 {
				return cpuidInfo{}, fmt.Errorf("%s:%d: hypervisor_signature: %q is longer than 12 bytes", name, line, val)
			}
			info.Signature = val
		case "vendor":
			info.Vendor = val
		case "brand":
			info.Brand = val
		default:
			return cpuidInfo{}, fmt.Errorf("%s:%d: %s: unknown field (known: hypervisor_bit, hypervisor_signature, vendor, brand)", name, line, key)
		}
	}
	if err := sc.Err(); err != nil {
		return cpuidInfo{}, fmt.Errorf("reading %s: %w", name, err)
	}
	if info.Signature != "" && !info.HypervisorBit {
		return cpuidInfo{}, fmt.Errorf("%s: hypervisor_signature %q needs hypervisor_bit: 1 (CPUID leaf 0x40000000 is only defined with the bit set)", name, info.Signature)
	}
	return info, nil
}
