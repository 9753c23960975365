package render

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"

	"github.com/sovbench/sovbench/geo"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/frameworks"
)

//go:embed html.tmpl
var htmlTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"anchor": anchor, "criteria": criteriaShort, "human": results.Duration.Human,
}).Parse(htmlTemplate))

// HTMLOptions are what HTML adds to the report itself.
type HTMLOptions struct {
	// Signer is a line about the report's signature, e.g. "verified, signed
	// by key 3f2a…" ("" leaves it out). HTML does not verify anything.
	Signer string
	// Index, when set, is the link back to the site's index page.
	Index string
}

// Chart is one inline SVG chart with its title.
type Chart struct {
	Title string
	SVG   template.HTML
}

type htmlPage struct {
	R         *results.Report
	C         results.Counts
	Satisfied bool
	Signer    string
	Map       template.HTML
	Charts    []Chart
	Raw       []string
	Index     string
	Summary   string
	Scope     [][2]string
	Meanings  []Meaning
	Criteria  []frameworks.Criterion
	// Attribution credits the map's data, as its licences ask.
	Attribution string
	// Reached lists what the egress evidence reached, by role and place.
	Reached []string
	places  places
}

// Where names an egress destination by role and place, as the suite
// states it ("replication, Singapore"; "place not stated" otherwise).
func (p htmlPage) Where(d results.EgressDestination) string { return p.places.where(d) }

// HTML writes r as one self-contained HTML page: no external assets
// (inline CSS and SVG), so it can be mailed, archived or opened offline. It
// holds a summary paragraph, the scope and method, the verdicts with the
// audit criteria they give evidence for and what each status means and
// does not mean, the map of the first located target
// (drawn by package geo from the rtt evidence), round-trip charts
// (landmark round trips and control-plane phases), a table per evidence
// record with its raw JSON, and the suite source. Every string from the
// report is escaped.
func HTML(w io.Writer, r *results.Report, opt HTMLOptions) error {
	p := htmlPage{R: r, C: r.Counts(), Satisfied: r.Satisfied(), Signer: opt.Signer, Charts: Charts(r), Attribution: geo.Attribution,
		Index: opt.Index, Summary: summary(r), Scope: scope(r), Meanings: meaningsOf(r.Counts()), Criteria: criteriaOf(r),
		Reached: reached(r), places: placesOf(r)}
	// geo escapes every string it draws: the SVG is safe to embed as is.
	p.Map = template.HTML(reportMap(r))
	for i := range r.Evidence {
		b, err := json.MarshalIndent(&r.Evidence[i], "", "  ")
		if err != nil {
			return fmt.Errorf("encoding evidence %s: %w", r.Evidence[i].ID, err)
		}
		p.Raw = append(p.Raw, string(b))
	}
	if err := page.Execute(w, p); err != nil {
		return fmt.Errorf("rendering HTML: %w", err)
	}
	return nil
}

var unsafeAnchor = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// anchor makes an HTML id from an evidence ID.
func anchor(id string) string { return "ev-" + unsafeAnchor.ReplaceAllString(id, "-") }

// Charts draws the report's round-trip charts: per rtt record, the minimum
// round trip to each landmark; per control-plane record, each request's
// phases stacked.
func Charts(r *results.Report) []Chart {
	var out []Chart
	for i := range r.Evidence {
		e := &r.Evidence[i]
		if e.RTT != nil && len(e.RTT.Landmarks) > 0 {
			out = append(out, Chart{Title: e.ID + ": minimum round trip per landmark", SVG: landmarkChart(e.RTT.Landmarks)})
		}
		if e.Inbound != nil && len(e.Inbound.Vantages) > 0 {
			out = append(out, Chart{Title: e.ID + ": minimum round trip from each outside vantage point", SVG: landmarkChart(e.Inbound.Vantages)})
		}
		if e.ControlPlane != nil && len(e.ControlPlane.Requests) > 0 {
			out = append(out, Chart{Title: e.ID + ": request phases (" + e.ControlPlane.URL + ")", SVG: phaseChart(e.ControlPlane.Requests)})
		}
	}
	return out
}
