package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/sovbench/sovbench/results"
)

// Classify maps an error from operation op to a failure record with a stable
// class. It returns nil for a nil error. This is the only place that decides
// classes from Go errors; probes that detect semantic failures (tampered DNS,
// intercepted TLS) build their Failure with the class directly.
func Classify(op string, err error) *results.Failure {
	if err == nil {
		return nil
	}
	return &results.Failure{Class: classOf(err), Operation: op, Message: err.Error()}
}

// ClassOf returns only the class of err; ClassUnknown when nothing matches.
func ClassOf(err error) results.FailureClass {
	if err == nil {
		return ""
	}
	return classOf(err)
}

func classOf(err error) results.FailureClass {
	var (
		errno   syscall.Errno
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return results.ClassInterrupted
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return results.ClassTimeout
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return results.ClassNXDomain
		case dnsErr.IsTimeout:
			return results.ClassTimeout
		}
		return results.ClassDNSFailure
	case errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &certErr):
		return results.ClassTLSIntercepted
	case errors.As(err, &recErr):
		return results.ClassTLSError
	case errors.As(err, &errno):
		return classOfErrno(errno)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return results.ClassEOF
	case errors.Is(err, fs.ErrNotExist):
		return results.ClassNotFound
	case errors.Is(err, fs.ErrPermission):
		return results.ClassPermission
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return results.ClassTimeout
	}
	// Some stdlib paths lose the errno; fall back on the text they keep.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "tls: "):
		return results.ClassTLSError
	case strings.Contains(msg, "malformed HTTP"), strings.Contains(msg, "net/http: HTTP/1.x transport connection broken"):
		return results.ClassHTTPError
	}
	return results.ClassUnknown
}

func classOfErrno(e syscall.Errno) results.FailureClass {
	switch e {
	case syscall.ECONNREFUSED:
		return results.ClassRefused
	case syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE:
		return results.ClassReset
	case syscall.ENETUNREACH, syscall.EHOSTUNREACH, syscall.EHOSTDOWN, syscall.ENETDOWN, syscall.EADDRNOTAVAIL:
		return results.ClassUnreachable
	case syscall.ETIMEDOUT:
		return results.ClassTimeout
	case syscall.EACCES, syscall.EPERM:
		return results.ClassPermission
	case syscall.ENOENT, syscall.ENODEV, syscall.ENXIO:
		return results.ClassNotFound
	case syscall.EPROTONOSUPPORT, syscall.EAFNOSUPPORT, syscall.ENOSYS, syscall.EOPNOTSUPP:
		return results.ClassUnsupported
	}
	return results.ClassUnknown
}
