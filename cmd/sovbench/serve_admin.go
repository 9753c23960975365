package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/fleet"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results/render"
)

func (a *app) serveAgentsCommand() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "agents",
		Short: "List the enrolled agents, revoked and replaced ones included",
		Long: `agents lists every agent the store knows: its ID (its identity: reports,
/probe and /metrics carry it), its name (a label, unique among agents not
replaced; any character a terminal would interpret is shown escaped), the suite
target the verifier bound it to, and its state: active, revoked, or replaced
by another agent ID.`,
		Example: "  sovbench serve agents --db fleet.sqlite\n  sovbench serve agents --db fleet.sqlite -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openExistingStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			list, err := st.Agents(cmd.Context())
			if err != nil {
				return runtimeErr(err)
			}
			return runtimeErrOrNil(render.WriteGrid(a.stdout, agentsGrid(list), a.output))
		},
	}
	cmd.Flags().StringVar(&db, "db", "fleet.sqlite", "agent, token and run store: SQLite file or postgres:// URL")
	return cmd
}

// agentsGrid is the table of "serve agents". Names and targets are
// escaped (api.Quote, api.Escape): a store made before names were checked
// may hold anything.
func agentsGrid(list []fleet.AgentRecord) render.Grid {
	g := render.Grid{Header: []string{"agent", "name", "target", "enrolled", "state", "since"}}
	shared := false
	for _, ag := range list {
		state, since := "active", ""
		switch {
		case ag.ReplacedBy != "":
			state, since = "replaced by "+ag.ReplacedBy, ag.Revoked.UTC().Format(time.RFC3339)
		case !ag.Revoked.IsZero():
			state, since = "revoked", ag.Revoked.UTC().Format(time.RFC3339)
		}
		name := api.Quote(ag.Name)
		if ag.SharedName {
			name += " *"
			shared = true
		}
		g.Rows = append(g.Rows, []string{ag.ID, name, api.Escape(ag.Target), ag.Enrolled.UTC().Format(time.RFC3339), state, since})
	}
	if shared {
		g.Notes = append(g.Notes, "* enrolled, before names were unique, under a name an older agent holds: /probe by that name answers for the older one")
	}
	return g
}

func (a *app) serveRevokeCommand() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "revoke AGENT_ID...",
		Short: "Revoke agents: their credentials and client certificates are refused from now on",
		Long: `revoke cuts agents off: every verifier using this store refuses their bearer
credential and their client certificate from the next request on, with the
refusal code "revoked", and /probe fails for them (reason "revoked"). Find
agent IDs with "sovbench serve agents". A revoked agent cannot be reinstated
and keeps its name; enrol its host again with a token that replaces it
("sovbench serve token --replace AGENT_ID").`,
		Example: "  sovbench serve revoke --db fleet.sqlite ag_0123456789abcdef",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			st, err := openExistingStore(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, id := range ids {
				ag, err := st.Revoke(cmd.Context(), id)
				if errors.Is(err, fleet.ErrNoAgent) {
					return usageErr(fmt.Errorf("revoke %s: no agent with that ID in %s (see sovbench serve agents)", api.Escape(id), db))
				}
				if err != nil {
					return runtimeErr(err)
				}
				fmt.Fprintf(a.stdout, "revoked %s (%s) at %s\n", ag.ID, api.Quote(ag.Name), ag.Revoked.UTC().Format(time.RFC3339))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "fleet.sqlite", "agent, token and run store: SQLite file or postgres:// URL")
	return cmd
}

func (a *app) serveTokenCommand() *cobra.Command {
	var db string
	var t fleet.Token
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Issue a single-use agent enrolment token",
		Long: `token prints a single-use enrolment token. What it binds, the agent enrolling
with it cannot change: --name fixes the agent's name (else the agent picks one,
its host name by default; a name another agent holds is refused), --target the
suite target it answers for (else it runs only single-target suites), and
--replace the agent it replaces: on enrolment that agent is revoked, and the new
one takes its name and target. Replacing is the one way to reuse a name, e.g.
for a reinstalled host.`,
		Example: "  sovbench serve token --db fleet.sqlite --ttl 1h\n  sovbench serve token --db fleet.sqlite --name web-1 --target web\n  sovbench serve token --db fleet.sqlite --replace ag_0123456789abcdef",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := t.Check(); err != nil {
				return usageErr(fmt.Errorf("serve token: %w", err))
			}
			st, err := fleet.OpenStore(cmd.Context(), db, fleet.StoreOptions{})
			if err != nil {
				return runtimeErr(err)
			}
			defer st.Close()
			tok, err := st.IssueToken(cmd.Context(), t)
			if errors.Is(err, fleet.ErrNameTaken) || errors.Is(err, fleet.ErrNoAgent) || errors.Is(err, fleet.ErrReplaced) {
				return usageErr(err)
			}
			if err != nil {
				return runtimeErr(err)
			}
			fmt.Fprintln(a.stdout, tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", "fleet.sqlite", "agent, token and run store: SQLite file or postgres:// URL")
	f.DurationVar(&t.TTL, "ttl", 24*time.Hour, "how long the token can be used")
	f.StringVar(&t.Name, "name", "", "name the enrolling agent gets (default: the one it asks for)")
	f.StringVar(&t.Target, "target", "", "suite target the agent answers for (default: none; single-target suites only)")
	f.StringVar(&t.Replaces, "replace", "", "ID of an agent the new one replaces (revoked on enrolment; its name and target pass on)")
	return cmd
}
