package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// DefaultCredentials is where an agent saves its credential by default.
const DefaultCredentials = "sovbench-agent.json"

// Options are an agent's settings: the flags of "sovbench agent --server"
// and of the slim agent binary (cmd/sovbench-agent), which both call Serve.
type Options struct {
	Server string // verifier URL, https://host:port
	Token  string // enrolment token; only the first run needs it
	Suite  string // suite to run, by name
	CA     string // PEM file the verifier's certificate chains to; "": system roots
	// Name is the name to enrol under; "": this host's name. The verifier
	// refuses a name another agent holds.
	Name        string
	Credentials string        // where the credential is saved; "": DefaultCredentials
	Every       time.Duration // repeat interval; 0: once
	MutualTLS   bool          // enrol for a client certificate instead of a bearer credential
	// Progress, if set, gets each run's progress (plan.RunProgress): the
	// plan's probes finished and the attempts of the running ones, as
	// they report them. A run that gets its plan ends with Done == Total.
	// Calls are serialised. It is for display only (a terminal's bar).
	Progress func(plan.RunProgress)
}

// OptionsError is a setting Serve cannot work with; a CLI reports it as a
// usage error.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// ErrNotSatisfied is what a single run (Every 0) returns when the verifier
// found a claim that missed its requirement.
var ErrNotSatisfied = errors.New("a claim missed its requirement")

// Serve enrols (or reuses the saved credential), then runs the suite in env
// and submits, once or every o.Every until ctx ends; report gets every
// verdict the verifier returns. A failed run is logged and retried at the
// next interval, unless the verifier refused the credential itself
// (revoked, forbidden), which retrying cannot mend.
func Serve(ctx context.Context, o Options, env plan.Env, log *slog.Logger, report func(api.SubmitResponse) error) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	if err := c.EnsureEnrolled(ctx, o.Credentials, o.Token, o.Name); err != nil {
		return err
	}
	for {
		resp, err := runOnce(ctx, c, o.Suite, env, o.Progress)
		var refused *RefusedError
		if err != nil && (o.Every <= 0 || errors.As(err, &refused) && (refused.Code == api.CodeRevoked || refused.Code == api.CodeForbidden)) {
			return err
		}
		if err != nil {
			log.Error("run failed", "suite", o.Suite, "err", err)
		} else if err := report(resp); err != nil {
			return err
		}
		if o.Every <= 0 {
			if !resp.Satisfied {
				return ErrNotSatisfied
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Every):
		}
	}
}

// client checks o, fills its defaults and returns a client for its server.
func (o *Options) client() (*Client, error) {
	if o.Suite == "" {
		return nil, &OptionsError{errors.New("agent: --server needs --suite")}
	}
	var ca []byte
	if o.CA != "" {
		b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, o.CA)
		if err != nil {
			return nil, &OptionsError{fmt.Errorf("reading CA: %w", err)}
		}
		ca = b
	}
	c, err := NewClient(o.Server, ca)
	if err != nil {
		return nil, &OptionsError{err}
	}
	if o.Name == "" {
		if o.Name, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("reading host name: %w", err)
		}
		if err := api.CheckName(o.Name); err != nil {
			return nil, &OptionsError{fmt.Errorf("this host's name cannot name the agent (%w); say --name", err)}
		}
	}
	if err := api.CheckName(o.Name); err != nil {
		return nil, &OptionsError{fmt.Errorf("--name: %w", err)}
	}
	if o.Credentials == "" {
		o.Credentials = DefaultCredentials
	}
	c.MutualTLS = o.MutualTLS
	return c, nil
}
