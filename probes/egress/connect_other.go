//go:build !linux

package egress

import (
	"context"
	"errors"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// connectLoop needs epoll; elsewhere the workers try every destination.
func (e *egressProbe) connectLoop(context.Context, *probes.Recorder, []dest, []int32, []results.EgressDestination, func()) error {
	return errors.New("the connect loop needs Linux's epoll")
}
