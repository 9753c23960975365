package testsign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/testing/testdata"
)

// template parses the recorded production quote go-tdx-guest ships: the
// test signer keeps its layout (header, QE report, QE auth data, the PCK
// certificate's SGX extension) and replaces every key and signature.
func template() (*pb.QuoteV4, error) {
	parsed, err := abi.QuoteToProto(testdata.RawQuote)
	if err != nil {
		return nil, fmt.Errorf("parsing the recorded TDX quote: %w", err)
	}
	q, ok := parsed.(*pb.QuoteV4)
	if !ok {
		return nil, fmt.Errorf("recorded TDX quote is %T", parsed)
	}
	return q, nil
}

func intelName(cn string) pkix.Name {
	return pkix.Name{CommonName: cn, Organization: []string{"Intel Corporation"}, Locality: []string{"Santa Clara"},
		Province: []string{"CA"}, Country: []string{"US"}}
}

// newTDX builds root → PCK platform CA → PCK (ECDSA P-256, SHA-256, the
// recorded PCK's SGX extension) and an attestation key.
func newTDX(spec Spec) (*Signer, error) {
	q, err := template()
	if err != nil {
		return nil, err
	}
	leaf, err := firstCert(q)
	if err != nil {
		return nil, err
	}
	var sgx []pkix.Extension
	for _, e := range leaf.Extensions {
		if e.Id.Equal(pcs.OidSgxExtension) {
			sgx = append(sgx, e)
		}
	}
	now := time.Now().Add(-time.Hour)
	keys := make([]*ecdsa.PrivateKey, 4)
	for i := range keys {
		if keys[i], err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	ca := func(cn string, serial int64) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: intelName(cn), NotBefore: now, NotAfter: now.AddDate(25, 0, 0),
			SignatureAlgorithm: x509.ECDSAWithSHA256, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{byte(serial)}}
	}
	root, err := issue(ca("Intel SGX Root CA", 1), keys[0], nil, keys[0])
	if err != nil {
		return nil, err
	}
	inter, err := issue(ca("Intel SGX PCK Platform CA", 2), keys[1], root, keys[0])
	if err != nil {
		return nil, err
	}
	pckTmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: intelName("Intel SGX PCK Certificate"), NotBefore: now,
		NotAfter: now.AddDate(7, 0, 0), SignatureAlgorithm: x509.ECDSAWithSHA256, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, SubjectKeyId: []byte{3},
		CRLDistributionPoints: []string{"https://pcs.invalid/sgx/certification/v4/pckcrl?ca=platform"}, ExtraExtensions: sgx}
	pck, err := issue(pckTmpl, keys[2], inter, keys[1])
	if err != nil {
		return nil, err
	}
	return &Signer{Spec: spec, Root: root, Chain: []*x509.Certificate{pck, inter, root}, Key: keys[2], AttestKey: keys[3]}, nil
}

func firstCert(q *pb.QuoteV4) (*x509.Certificate, error) {
	blk, _ := pem.Decode(q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain())
	if blk == nil {
		return nil, fmt.Errorf("recorded TDX quote has no PCK certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// sign256 signs SHA-256(msg) and returns R ‖ S, 32 bytes each.
func sign256(k *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// tdxQuote builds a quote carrying reportData: the recorded quote's
// layout, this signer's measurement, attributes and TCB, the body signed by
// the attestation key, the QE report binding that key and signed by the
// PCK, and this signer's chain.
func (s *Signer) tdxQuote(reportData [64]byte) ([]byte, error) {
	q, err := template()
	if err != nil {
		return nil, err
	}
	body := q.GetTdQuoteBody()
	body.ReportData = reportData[:]
	body.MrTd = pad(s.Spec.Measurement, 48)
	body.TdAttributes = make([]byte, 8)
	if s.Spec.Debug {
		body.TdAttributes[0] = 0x01
	}
	if len(s.Spec.TEETCBSVN) == 16 {
		body.TeeTcbSvn = s.Spec.TEETCBSVN
	}
	sd := q.GetSignedData()
	pub := s.AttestKey.PublicKey
	ak := make([]byte, 64)
	pub.X.FillBytes(ak[:32])
	pub.Y.FillBytes(ak[32:])
	sd.EcdsaAttestationKey = ak
	qe := sd.GetCertificationData().GetQeReportCertificationData()
	bind := sha256.Sum256(append(append([]byte{}, ak...), qe.GetQeAuthData().GetData()...))
	qe.QeReport.ReportData = pad(bind[:], 64)
	if err := s.signQE(q); err != nil {
		return nil, err
	}
	header, err := abi.HeaderToAbiBytes(q.GetHeader())
	if err != nil {
		return nil, fmt.Errorf("encoding test quote: %w", err)
	}
	tdBody, err := abi.TdQuoteBodyToAbiBytes(body)
	if err != nil {
		return nil, fmt.Errorf("encoding test quote: %w", err)
	}
	if sd.Signature, err = sign256(s.AttestKey, append(header, tdBody...)); err != nil {
		return nil, fmt.Errorf("signing test quote: %w", err)
	}
	return abi.QuoteToAbiBytes(q)
}

// signQE signs the QE report with the PCK and installs this signer's
// chain, fixing the sizes the chain changes.
func (s *Signer) signQE(q *pb.QuoteV4) error {
	sd := q.GetSignedData()
	cd := sd.GetCertificationData()
	qe := cd.GetQeReportCertificationData()
	raw, err := abi.EnclaveReportToAbiBytes(qe.GetQeReport())
	if err != nil {
		return fmt.Errorf("encoding test QE report: %w", err)
	}
	if qe.QeReportSignature, err = sign256(s.Key, raw); err != nil {
		return fmt.Errorf("signing test QE report: %w", err)
	}
	var chain []byte
	for _, c := range s.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	old := qe.GetPckCertificateChainData().GetSize()
	qe.PckCertificateChainData.PckCertChain = chain
	qe.PckCertificateChainData.Size = uint32(len(chain))
	grow := uint32(len(chain)) - old
	cd.Size += grow
	q.SignedDataSize += grow
	return nil
}
