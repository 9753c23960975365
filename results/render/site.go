package render

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// SiteReport is one report of a report site and what is known of its
// signature.
type SiteReport struct {
	Report *results.Report
	// Signer is the signer's key id (empty for an unsigned report);
	// Verified says it was checked against a trusted key.
	Signer Signer
}

// SiteIndex is the name of a site's index page; report pages are under
// SiteReports.
const (
	SiteIndex   = "index.html"
	SiteReports = "reports"
)

//go:embed site.tmpl
var siteTemplate string

var sitePage = template.Must(template.New("site").Parse(siteTemplate))

type siteCell struct {
	Href, Status, Class, Counts, Signature, KeyID string
	Older                                         int
	// Reached is what the report's egress evidence reached, by role and
	// place ("replication, Singapore (198.19.1.3:9000/tcp)").
	Reached []string
}

type siteRow struct {
	Provider string
	Cells    []*siteCell // one per suite, nil where the provider has none
}

type siteListed struct {
	Href, Provider, Suite, Started, Status, Class, Counts, Signature, KeyID string
}

type siteData struct {
	Suites  []string
	Rows    []siteRow
	Reports []siteListed
}

// Site renders a report site as files by relative path: SiteIndex, a
// matrix of providers × suites whose cells link to the newest report of
// each pair and say who signed it and whether that was verified, with
// every report listed below; and one page per report under SiteReports
// (HTML, linking back). Pages are self-contained: no script, no external
// asset. Site verifies nothing: Signer says what the caller checked.
func Site(reps []SiteReport) (map[string][]byte, error) {
	files := map[string][]byte{}
	d := siteData{}
	newest := map[[2]string]*siteCell{}
	providers, suites := []string{}, []string{}
	order := slices.Clone(reps)
	slices.SortStableFunc(order, func(a, b SiteReport) int { return b.Report.Started.Compare(a.Report.Started) })
	for _, sr := range order {
		r := sr.Report
		name := SiteReports + "/" + pageName(r)
		var page bytes.Buffer
		if err := HTML(&page, r, HTMLOptions{Signer: signerLine(sr.Signer), Index: "../" + SiteIndex}); err != nil {
			return nil, fmt.Errorf("rendering the page of run %s: %w", r.RunID, err)
		}
		files[name] = page.Bytes()
		status, class := outcome(r)
		sig, key := signatureState(sr.Signer)
		counts := countsText(r.Counts())
		d.Reports = append(d.Reports, siteListed{Href: name, Provider: r.Provider.Name, Suite: r.Suite.Name,
			Started: r.Started.UTC().Format("2006-01-02 15:04 UTC"), Status: status, Class: class, Counts: counts,
			Signature: sig, KeyID: key})
		k := [2]string{r.Provider.Name, r.Suite.Name}
		if c, ok := newest[k]; ok {
			c.Older++
			continue
		}
		newest[k] = &siteCell{Href: name, Status: status, Class: class, Counts: counts, Signature: sig, KeyID: key, Reached: firstOf(reached(r), 3)}
		if !slices.Contains(providers, k[0]) {
			providers = append(providers, k[0])
		}
		if !slices.Contains(suites, k[1]) {
			suites = append(suites, k[1])
		}
	}
	slices.Sort(providers)
	slices.Sort(suites)
	d.Suites = suites
	for _, p := range providers {
		row := siteRow{Provider: p}
		for _, s := range suites {
			row.Cells = append(row.Cells, newest[[2]string{p, s}])
		}
		d.Rows = append(d.Rows, row)
	}
	var index bytes.Buffer
	if err := sitePage.Execute(&index, d); err != nil {
		return nil, fmt.Errorf("rendering the site index: %w", err)
	}
	files[SiteIndex] = index.Bytes()
	return files, nil
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// pageName is a report page's file name: provider, suite and run id, made
// safe as a file name ("clarence-disconnected-0193a1b2-….html").
func pageName(r *results.Report) string {
	slug := func(s string) string { return strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(s), "-"), "-") }
	return slug(r.Provider.Name) + "-" + slug(r.Suite.Name) + "-" + slug(r.RunID) + ".html"
}

// outcome is the index's word for a report: met, not met or incomplete.
func outcome(r *results.Report) (string, string) {
	switch {
	case r.Status != results.RunComplete:
		return "incomplete", "error"
	case r.Satisfied():
		return "met", "pass"
	}
	return "not met", "fail"
}

func countsText(c results.Counts) string {
	parts := []string{fmt.Sprintf("%d pass", c.Pass), fmt.Sprintf("%d fail", c.Fail)}
	if c.Inconclusive > 0 {
		parts = append(parts, fmt.Sprintf("%d inconclusive", c.Inconclusive))
	}
	if c.Error > 0 {
		parts = append(parts, fmt.Sprintf("%d error", c.Error))
	}
	return strings.Join(parts, " · ")
}

// signatureState says in words what is known of a report's signature, and
// the whole key id.
func signatureState(s Signer) (string, string) {
	switch {
	case s.KeyID == "":
		return "unsigned", ""
	case s.Verified:
		return "signature verified", s.KeyID
	}
	return "signed, NOT verified", s.KeyID
}

func signerLine(s Signer) string {
	state, key := signatureState(s)
	if key == "" {
		return "unsigned report"
	}
	return state + ", key " + key
}

// firstOf is the first n of list, then a line counting the rest.
func firstOf(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
}
