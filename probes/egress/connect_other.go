//go:build !linux

package egress

import (
	"context"
	"errors"

	"github.com/sovbench/sovbench/probes"
)

// connectLoop needs epoll; elsewhere the workers try every destination.
func (e *egressProbe) connectLoop(context.Context, *probes.Recorder, *sweep, []int32, func()) error {
	return errors.New("the connect loop needs Linux's epoll")
}
