package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// atlasKeyEnv names the environment variable that may hold the user's RIPE
// Atlas API key (a key file is preferred: it stays out of the process list
// and of shell history).
const atlasKeyEnv = "RIPE_ATLAS_KEY"

// outsideFlags are how "run" reaches RIPE Atlas for the steps that measure
// targets from outside (the inbound probe).
type outsideFlags struct {
	keyFile string
	api     apiFlags
}

func (f *outsideFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.keyFile, "atlas-key-file", "", "file holding your RIPE Atlas API key, for inbound steps (else $"+atlasKeyEnv+")")
	cmd.Flags().StringVar(&f.api.api, "atlas-api", atlas.DefaultAPI, "RIPE Atlas API root, for inbound steps")
	cmd.Flags().StringVar(&f.api.ca, "atlas-ca", "", "CA certificates (PEM) the Atlas API's certificate must chain to (default: the system's)")
}

// env returns the environment of the outside steps: an Atlas client when a
// key was given, else the zero Env (inbound steps then record that they
// cannot run). Errors name the file or variable, never the key.
func (f *outsideFlags) env() (plan.Env, error) {
	key := atlas.NewKey(os.Getenv(atlasKeyEnv))
	if f.keyFile != "" {
		k, err := atlas.ReadKeyFile(f.keyFile)
		if err != nil {
			return plan.Env{}, err
		}
		key = k
	}
	if key.Empty() {
		return plan.Env{}, nil
	}
	c, err := f.api.client(key)
	if err != nil {
		return plan.Env{}, fmt.Errorf("--atlas-api: %w", err)
	}
	return plan.Env{Atlas: c}, nil
}
