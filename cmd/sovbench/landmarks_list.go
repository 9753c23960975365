package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/results/render"
)

func (a *app) landmarksListCommand() *cobra.Command {
	var near string
	var n int
	cmd := &cobra.Command{
		Use:   "list FILE",
		Short: "List a landmark file's landmarks, or the N nearest to a place",
		Long: `list prints the landmarks of a landmark file (plain or signed; the signature is
not checked here, see landmarks verify). With --near it prints the N nearest
to a place with their distance: what "nearest: {to: PLACE, n: N}" in a suite's
landmark_set picks.`,
		Example: "  sovbench landmarks list atlas-anchors-20260501.json --near Luxembourg -n 8",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := landmarks.Read(cmd.Context(), args[0], a.limits)
			if err != nil {
				return usageErr(err)
			}
			lms := set.Landmarks
			var ref *geo.Landmark
			if near != "" {
				sel := landmarks.Selection{Nearest: &landmarks.Nearest{Place: landmarks.Place{To: near}, N: n}}
				picked, _, err := sel.Pick(set)
				if err != nil {
					return usageErr(fmt.Errorf("--near: %w", err))
				}
				lms = lms[:0:0]
				for _, p := range picked {
					lms = append(lms, p.Landmark)
				}
				l, _ := geo.LookupLandmark(near)
				ref = &l
			}
			g := render.Grid{Header: []string{"name", "city", "country", "lat", "lon", "km", "ipv4", "ipv6", "atlas_probe", "answers", "pin"}}
			for _, l := range lms {
				km := ""
				if ref != nil {
					km = fmt.Sprintf("%.0f", geo.DistanceKm(ref.Lat, ref.Lon, l.Lat, l.Lon))
				}
				g.Rows = append(g.Rows, []string{l.Name, l.City, l.Country, fmt.Sprint(l.Lat), fmt.Sprint(l.Lon), km,
					l.IPv4, l.IPv6, fmt.Sprint(l.ProbeID), strings.Join(l.Answers, " "), l.Pin()})
			}
			return render.WriteGrid(a.stdout, g, a.output)
		},
	}
	cmd.Flags().StringVar(&near, "near", "", "a place (Luxembourg, Frankfurt,DE): list the nearest landmarks")
	cmd.Flags().IntVarP(&n, "n", "n", 10, "how many with --near")
	return cmd
}
