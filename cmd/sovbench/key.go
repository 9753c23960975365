package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/results/sign"
)

func (a *app) keyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "key",
		Short:   "Make and inspect report-signing keys",
		Example: "  sovbench key generate --out ~/.sovbench\n  sovbench key id ~/.sovbench/sovbench.pub",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(a.keyGenerateCommand(), a.keyIDCommand())
	return cmd
}

func (a *app) keyGenerateCommand() *cobra.Command {
	var kt, out string
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Generate a signing key pair",
		Long: `generate writes DIR/sovbench.key (PKCS#8 PEM private key, mode 0600) and
DIR/sovbench.pub (PEM public key). The key id printed is the SHA-256 of the
public key's DER encoding (SubjectPublicKeyInfo), in hex; signed reports name
their signer by it. Share sovbench.pub with whoever verifies your reports.`,
		Example: "  sovbench key generate --out ~/.sovbench\n  sovbench key generate --type ecdsa-p256 --out keys/",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usageErr(fmt.Errorf("key generate: say --out DIR"))
			}
			k, err := sign.GenerateKey(sign.KeyType(kt))
			if err != nil {
				return usageErr(err)
			}
			priv, pub, err := sign.WriteKeyPair(out, k)
			if err != nil {
				return runtimeErr(err)
			}
			if a.output == "json" {
				return writeJSON(a.stdout, map[string]string{"key_id": k.ID, "private_key": priv, "public_key": pub, "type": kt})
			}
			fmt.Fprintf(a.stdout, "key id:      %s\nprivate key: %s\npublic key:  %s\n", k.ID, priv, pub)
			return nil
		},
	}
	cmd.Flags().StringVar(&kt, "type", string(sign.KeyEd25519), "key type: ed25519 or ecdsa-p256")
	addOut(cmd, &out, "directory to write sovbench.key and sovbench.pub to")
	return cmd
}

func (a *app) keyIDCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "id PUB",
		Short:   "Print the key id of public keys (a file or a directory of *.pub, *.pem)",
		Example: "  sovbench key id ~/.sovbench/sovbench.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			keys, err := sign.LoadPublicKeys(cmd.Context(), args[0], a.limits)
			if err != nil {
				return usageErr(err)
			}
			for _, k := range keys {
				fmt.Fprintf(a.stdout, "%s  %s\n", k.ID, k.Source)
			}
			return nil
		},
	}
}
