package collect

import (
	"errors"
	"fmt"
	"unsafe"

	sevabi "github.com/google/go-sev-guest/client/linuxabi"
	tdxabi "github.com/google/go-tdx-guest/client/linuxabi"
	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/results"
)

// Device paths of the guest drivers.
const (
	sevGuestPath = "/dev/sev-guest"
	tdxGuestPath = "/dev/tdx_guest"
)

// snpReportSize is an SEV-SNP attestation report's size (SEV-SNP ABI).
const snpReportSize = 0x4A0

// snpInvalidLength is the firmware error the sev-guest driver returns for
// an extended report whose certificate buffer is too small, with the size
// it needs in CertsLength (go-sev-guest's abi.GuestRequestInvalidLength).
const snpInvalidLength = 0x100000000

// sevGuest asks /dev/sev-guest for an extended report at VMPL 0, as
// go-sev-guest's client does (its GetRawExtendedReport): once for the size
// of the certificate table, once for the report and the table. The ioctl
// structures are go-sev-guest's linuxabi, which links nothing else.
func sevGuest(rd [64]byte) (*results.TEEDetails, error) {
	fd, err := unix.Open(sevGuestPath, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", sevGuestPath, err)
	}
	defer unix.Close(fd)
	_, n, err := snpExtendedReport(fd, [64]byte{}, nil)
	if err != nil {
		return nil, fmt.Errorf("asking %s for the certificate table's size: %w", sevGuestPath, err)
	}
	table := make([]byte, n)
	rep, _, err := snpExtendedReport(fd, rd, table)
	if err != nil {
		return nil, fmt.Errorf("getting an SEV-SNP extended report: %w", err)
	}
	certs, err := certTable(table, "extended report")
	return &results.TEEDetails{Kind: results.TEESEVSNP, Source: sevGuestPath, Report: rep, Certs: certs}, err
}

// snpExtendedReport makes one SNP_GET_EXT_REPORT request. A certificate
// buffer too small returns no report and the size the driver asks for.
func snpExtendedReport(fd int, rd [64]byte, certs []byte) ([]byte, uint32, error) {
	var resp sevabi.SnpReportRespABI
	ext := sevabi.SnpExtendedReportReq{Data: sevabi.SnpReportReqABI{ReportData: rd}, Certs: certs, CertsLength: uint32(len(certs))}
	req := sevabi.SnpUserGuestRequest{ReqData: &ext, RespData: &resp}
	conv := req.ABI()
	res, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(sevabi.IocSnpGetExtendedReport), uintptr(conv.Pointer()))
	if err := conv.Finish(&req); err != nil {
		return nil, 0, fmt.Errorf("reading the driver's answer: %w", err)
	}
	if errno != unix.EIO { // the driver leaves the firmware error unset otherwise (go-sev-guest's workaround)
		req.FwErr = 0
	}
	switch {
	case errno != 0 && req.FwErr == snpInvalidLength:
		return nil, ext.CertsLength, nil
	case errno != 0 && req.FwErr != 0:
		return nil, 0, fmt.Errorf("SEV firmware error %#x: %w", req.FwErr, errno)
	case errno != 0:
		return nil, 0, errno
	case res != uintptr(sevabi.EsOk):
		return nil, 0, &sevabi.SevEsErr{Result: sevabi.EsResult(res)}
	}
	return resp.Data[:snpReportSize], ext.CertsLength, nil
}

// tdxGuest asks /dev/tdx_guest for a TD report, then for a quote of it
// (the driver's GET_QUOTE, as go-tdx-guest's client does for a device).
func tdxGuest(rd [64]byte) (*results.TEEDetails, error) {
	fd, err := unix.Open(tdxGuestPath, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", tdxGuestPath, err)
	}
	defer unix.Close(fd)
	rep := tdxabi.TdxReportReq{ReportData: rd}
	res, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(tdxabi.IocTdxGetReport), uintptr(unsafe.Pointer(&rep)))
	switch {
	case errno != 0:
		return nil, fmt.Errorf("getting a TD report: %w", errno)
	case res != uintptr(tdxabi.TdxAttestSuccess):
		return nil, fmt.Errorf("getting a TD report: result %d", res)
	}
	hdr := &tdxabi.TdxQuoteHdr{Version: 1, InLen: tdxabi.TdReportSize}
	copy(hdr.Data[:], rep.TdReport[:])
	req := tdxabi.TdxQuoteReq{Buffer: hdr, Length: tdxabi.ReqBufSize}
	conv := req.ABI()
	res, _, errno = unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(tdxabi.IocTdxGetQuote), uintptr(conv.Pointer()))
	if err := conv.Finish(&req); err != nil {
		return nil, fmt.Errorf("reading the driver's answer: %w", err)
	}
	if errno != 0 {
		return nil, fmt.Errorf("getting a TDX quote: %w", errno)
	}
	if err := tdxQuoteStatus(res, hdr); err != nil {
		return nil, fmt.Errorf("getting a TDX quote: %w", err)
	}
	return &results.TEEDetails{Kind: results.TEETDX, Source: tdxGuestPath, Report: append([]byte(nil), hdr.Data[:hdr.OutLen]...)}, nil
}

// tdxQuoteStatus reads GET_QUOTE's result and status as go-tdx-guest does.
func tdxQuoteStatus(res uintptr, hdr *tdxabi.TdxQuoteHdr) error {
	switch {
	case res != uintptr(tdxabi.TdxAttestSuccess):
		return errors.New("the driver refused the request")
	case hdr.Status == tdxabi.GetQuoteInFlight:
		return errors.New("the quoting service is busy")
	case hdr.Status == tdxabi.GetQuoteServiceUnavailable:
		return errors.New("no quoting service")
	case hdr.Status != 0:
		return fmt.Errorf("status %#x", hdr.Status)
	case hdr.OutLen == 0 || hdr.OutLen > tdxabi.ReqBufSize:
		return fmt.Errorf("quote size %d is not in 1..%d", hdr.OutLen, tdxabi.ReqBufSize)
	}
	return nil
}
