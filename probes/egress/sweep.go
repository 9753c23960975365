package egress

import (
	"context"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// sweep is what became of a run's destinations, kept until the evidence
// is written. A plain connect (the bulk of a large sweep) is kept as a
// plainResult of 24 bytes and its record built again from it and its
// spec whenever it is read (Destination): the same record connectLoop
// used to build at once, byte for byte, without holding ten thousand
// records of half a kilobyte each. Every other destination keeps its
// record. A sweep is the evidence's DestinationStream when the agent's
// writer streams it (probes.StreamsEvidence); otherwise Run builds the
// destination list from it.
type sweep struct {
	specs specList
	plain []plainResult                // by destination, for plain connects
	rich  []*results.EgressDestination // by destination, for the others
}

// newSweep returns the sweep of specs, with room for every destination.
func newSweep(specs specList) *sweep {
	s := &sweep{}
	s.extend(specs)
	return s
}

// extend makes specs (s's specs and more) the sweep's destinations.
func (s *sweep) extend(specs specList) {
	s.specs = specs
	n := specs.len()
	s.plain = append(s.plain, make([]plainResult, n-len(s.plain))...)
	if s.rich != nil {
		s.rich = append(s.rich, make([]*results.EgressDestination, n-len(s.rich))...)
	}
}

// makeRich makes room for whole records, which a port sweep does not
// need; the workers' goroutines only fill it (keep may not be called
// while they run).
func (s *sweep) makeRich() {
	if s.rich == nil {
		s.rich = make([]*results.EgressDestination, len(s.plain))
	}
}

// keep keeps d whole as destination i's record.
func (s *sweep) keep(i int, d *results.EgressDestination) {
	s.makeRich()
	s.rich[i] = d
}

// Len is the number of destinations.
func (s *sweep) Len() int { return s.specs.len() }

// Destination is destination i's record.
func (s *sweep) Destination(i int) results.EgressDestination {
	if s.rich != nil && s.rich[i] != nil {
		return *s.rich[i]
	}
	sp := s.specs.at(i)
	d := results.EgressDestination{Host: sp.Host, Port: sp.Port, Protocol: sp.Protocol, Category: sp.Category,
		Control: sp.Control, RandomPort: sp.randomPort}
	r := s.plain[i]
	if r.end == endNone || r.end == endUntried {
		return d
	}
	ip := net.ParseIP(sp.Host)
	a := results.EgressAttempt{Method: results.MethodTCP, Address: net.JoinHostPort(ip.String(), strconv.Itoa(sp.Port)),
		Family: family(ip), Operation: "connect", Start: results.Duration(r.start), Took: results.Duration(r.took)}
	if err := r.err(); err != nil {
		a.Failure = probes.Classify("connect", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: ip, Port: sp.Port}, Err: err})
		a.Class = string(a.Failure.Class)
	} else {
		a.Class, a.Reachable = results.ClassOK, true
		d.Via = []string{results.MethodTCP}
	}
	d.Tried, d.Reachable = true, a.Reachable
	d.Addresses = []string{ip.String()}
	d.Attempts = []results.EgressAttempt{a}
	return d
}

// list builds every destination's record.
func (s *sweep) list() []results.EgressDestination {
	out := make([]results.EgressDestination, s.Len())
	for i := range out {
		out[i] = s.Destination(i)
	}
	return out
}

// plainResult is how a plain connect ended: enough to build its record
// again (see sweep.Destination). start and took are the attempt's times
// (since the evidence's start; its length); an error is a syscall's errno,
// the attempt's deadline or the run's stop.
type plainResult struct {
	start, took time.Duration
	errno       uint16
	call        uint8 // the syscall that failed, an index of calls
	end         uint8
}

// How a plain connect ended.
const (
	endNone     = iota // not recorded here
	endUntried         // the run stopped before it started
	endOK              // the handshake completed
	endErrno           // a syscall failed: call, errno
	endTimeout         // the attempt's deadline passed
	endCanceled        // the run was stopped while it was in flight
)

// calls are the syscalls whose failure ends a plain connect.
var calls = [...]string{"socket", "connect", "epoll_ctl", "getsockopt"}

// plainOutcome returns err (nil, or what the connect loop ends a connect
// with) as a plainResult's end; ok is false for any other error, whose
// record must be kept whole.
func plainOutcome(err error) (r plainResult, ok bool) {
	switch err {
	case nil:
		return plainResult{end: endOK}, true
	case os.ErrDeadlineExceeded:
		return plainResult{end: endTimeout}, true
	case error(errCanceled{}):
		return plainResult{end: endCanceled}, true
	}
	se, ok := err.(*os.SyscallError)
	if !ok {
		return r, false
	}
	errno, ok := se.Err.(syscall.Errno)
	if !ok || errno > 0xffff {
		return r, false
	}
	for k, c := range calls {
		if c == se.Syscall {
			return plainResult{end: endErrno, call: uint8(k), errno: uint16(errno)}, true
		}
	}
	return r, false
}

// err is the error r ended with, as the connect loop had it.
func (r plainResult) err() error {
	switch r.end {
	case endErrno:
		return os.NewSyscallError(calls[r.call], syscall.Errno(r.errno))
	case endTimeout:
		return os.ErrDeadlineExceeded
	case endCanceled:
		return errCanceled{}
	}
	return nil
}

// errCanceled is the dialer's error for a cancelled dial.
type errCanceled struct{}

func (errCanceled) Error() string        { return "operation was canceled" }
func (errCanceled) Is(target error) bool { return target == context.Canceled }
