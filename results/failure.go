package results

import "fmt"

// FailureClass is a stable, closed set of names for what went wrong in one
// operation. Tests assert the class, never the message. probes.Classify is the
// one place that maps Go errors to a class.
type FailureClass string

// The failure classes. The set is closed: add a class here (and to
// FailureClasses) rather than inventing strings elsewhere.
const (
	ClassTimeout        FailureClass = "timeout"           // deadline passed without an answer
	ClassRefused        FailureClass = "refused"           // TCP RST to SYN, ICMP port unreachable
	ClassReset          FailureClass = "reset"             // connection reset after it was established
	ClassUnreachable    FailureClass = "unreachable"       // no route, ICMP net/host unreachable, prohibited
	ClassNXDomain       FailureClass = "nxdomain"          // the name does not exist
	ClassDNSFailure     FailureClass = "dns_failure"       // SERVFAIL, REFUSED, no answer
	ClassDNSTampered    FailureClass = "dns_tampered"      // an answer that cannot be right
	ClassTLSIntercepted FailureClass = "tls_intercepted"   // a certificate from the wrong CA or pin
	ClassTLSError       FailureClass = "tls_error"         // handshake failed for another reason
	ClassHTTPProxied    FailureClass = "http_proxied"      // an HTTP answer that came from a proxy
	ClassHTTPError      FailureClass = "http_error"        // malformed or unexpected HTTP answer
	ClassEOF            FailureClass = "eof"               // the peer closed the connection early
	ClassPermission     FailureClass = "permission_denied" // the OS refused (privilege, firewall EPERM)
	ClassNotFound       FailureClass = "not_found"         // a file, device or resource is absent
	ClassUnsupported    FailureClass = "unsupported"       // not available on this host or platform
	ClassInterrupted    FailureClass = "interrupted"       // the run was stopped before this finished
	ClassBogus          FailureClass = "bogus_answer"      // an answer that does not parse or match
	ClassUnknown        FailureClass = "unknown_error"     // anything the classifier does not know
)

// FailureClasses lists every class, in a stable order.
var FailureClasses = []FailureClass{
	ClassTimeout, ClassRefused, ClassReset, ClassUnreachable, ClassNXDomain,
	ClassDNSFailure, ClassDNSTampered, ClassTLSIntercepted, ClassTLSError,
	ClassHTTPProxied, ClassHTTPError, ClassEOF, ClassPermission, ClassNotFound,
	ClassUnsupported, ClassInterrupted, ClassBogus, ClassUnknown,
}

// Failure records what went wrong in one operation. It is data, not an error:
// a probe that met a failure still returns its evidence.
type Failure struct {
	Class     FailureClass `json:"class"`
	Operation string       `json:"operation"` // resolve, connect, tls, http, read, write, open, ...
	Message   string       `json:"message,omitempty"`
}

func (f *Failure) String() string {
	if f == nil {
		return "ok"
	}
	if f.Message == "" {
		return fmt.Sprintf("%s: %s", f.Operation, f.Class)
	}
	return fmt.Sprintf("%s: %s (%s)", f.Operation, f.Class, f.Message)
}
