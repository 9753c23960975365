package landmarks

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// TLSA is a DANE TLSA record (RFC 6698): which certificate data of a
// server's TLS certificate, hashed how.
type TLSA struct {
	Usage, Selector, MatchingType int
	Data                          []byte
}

// ParseTLSA reads a TLSA record in presentation form, with or without the
// owner name and class ("_443._tcp.host. IN TLSA 3 1 1 <hex>" or
// "3 1 1 <hex>").
func ParseTLSA(s string) (TLSA, error) {
	f := strings.Fields(s)
	for i, w := range f {
		if strings.EqualFold(w, "TLSA") {
			f = f[i+1:]
			break
		}
	}
	if len(f) < 4 {
		return TLSA{}, fmt.Errorf("%q: want usage, selector, matching type and data", s)
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(f[i])
		if err != nil || v < 0 || v > 255 {
			return TLSA{}, fmt.Errorf("%q: field %d is not a number 0..255", s, i+1)
		}
		n[i] = v
	}
	data, err := hex.DecodeString(strings.Join(f[3:], ""))
	if err != nil || len(data) == 0 {
		return TLSA{}, fmt.Errorf("%q: data is not hex", s)
	}
	if n[2] == 1 && len(data) != 32 {
		return TLSA{}, fmt.Errorf("%q: a SHA-256 (matching type 1) is 32 bytes, not %d", s, len(data))
	}
	return TLSA{Usage: n[0], Selector: n[1], MatchingType: n[2], Data: data}, nil
}

// Pin turns the record into the rtt probe's pin of the server's own
// certificate: "sha256/<base64>" for the key (selector 1, SPKI) or
// "cert-sha256/<base64>" for the whole certificate (selector 0). Only
// records that name the server's own certificate (usage 1 PKIX-EE or 3
// DANE-EE) by SHA-256 (matching type 1) give a pin; ok is false otherwise.
func (t TLSA) Pin() (pin string, ok bool) {
	if (t.Usage != 1 && t.Usage != 3) || t.MatchingType != 1 || len(t.Data) != 32 {
		return "", false
	}
	b := base64.StdEncoding.EncodeToString(t.Data)
	switch t.Selector {
	case 1:
		return "sha256/" + b, true
	case 0:
		return "cert-sha256/" + b, true
	}
	return "", false
}

// Pin is the landmark's HTTPS certificate pin from its TLSA record (see
// TLSA.Pin), or "" when it has none that names its own certificate.
func (l Landmark) Pin() string {
	if l.TLSA == "" {
		return ""
	}
	t, err := ParseTLSA(l.TLSA)
	if err != nil {
		return ""
	}
	p, _ := t.Pin()
	return p
}
