package attest

import (
	"encoding/binary"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// manufacturers maps TPM_PT_MANUFACTURER (four ASCII bytes, TCG "TPM Vendor
// ID Registry") to the company. Claims match either the ASCII ID or the name.
var manufacturers = map[string]string{
	"AMD":  "AMD",
	"ANT":  "Ant Group",
	"ATML": "Atmel",
	"BRCM": "Broadcom",
	"CSCO": "Cisco",
	"FLYS": "Flyslice Technologies",
	"GOOG": "Google",
	"HISI": "HiSilicon",
	"HPE":  "Hewlett Packard Enterprise",
	"IBM":  "IBM",
	"IFX":  "Infineon",
	"INTC": "Intel",
	"LEN":  "Lenovo",
	"MSFT": "Microsoft",
	"NSM":  "National Semiconductor",
	"NTC":  "Nuvoton Technology",
	"NTZ":  "Nationz",
	"QCOM": "Qualcomm",
	"ROCC": "Fuzhou Rockchip",
	"SECE": "SecEdge",
	"SMSC": "SMSC",
	"SMSN": "Samsung",
	"SNS":  "Sinosun",
	"STM":  "STMicroelectronics",
	"TXN":  "Texas Instruments",
	"WEC":  "Winbond",
}

// Manufacturer maps a raw TPM_PT_MANUFACTURER value.
func Manufacturer(id uint32) results.TPMManufacturer {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], id)
	ascii := strings.TrimRight(strings.Map(printable, string(b[:])), " \x00")
	name := manufacturers[ascii]
	if name == "" {
		name = "unknown"
	}
	return results.TPMManufacturer{ID: id, ASCII: ascii, Name: name}
}

func printable(r rune) rune {
	if r == 0 || (r >= 0x20 && r < 0x7f) {
		return r
	}
	return '?'
}
