package render

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
)

// Geometry of the inline bar charts, in SVG user units.
const (
	chartWidth = 820
	labelWidth = 200
	valueWidth = 90
	rowHeight  = 24
	barHeight  = 16
)

// phaseColors colour the control-plane phases, in request order.
var phaseColors = []struct{ name, color string }{
	{"resolve", "#8e99a8"}, {"connect", "#2a5db0"}, {"tls", "#7b4fb0"},
	{"processing", "#d9822b"}, {"transfer", "#1f8a4c"},
}

// landmarkChart draws one bar per landmark: its minimum round trip. A
// landmark that never answered gets no bar (a zero-length bar would read
// as a very fast answer), only the words "no answer".
func landmarkChart(lms []results.LandmarkRTT) template.HTML {
	vals := make([]time.Duration, len(lms))
	var top time.Duration
	for i, l := range lms {
		vals[i] = minRTT(l)
		top = max(top, vals[i])
	}
	var b strings.Builder
	h := len(lms)*rowHeight + 30
	openSVG(&b, h, "minimum round trip per landmark")
	scale := barScale(top)
	for i, l := range lms {
		y := 8 + i*rowHeight
		label := l.Name
		if l.Country != "" {
			label += " (" + l.Country + ")"
		}
		text(&b, labelWidth-8, y+13, "end", label)
		if vals[i] <= 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#6b737d" font-style="italic">no answer</text>`, labelWidth+6, y+13)
			continue
		}
		w := int(float64(vals[i]) * scale)
		v := results.Duration(vals[i]).Human()
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2a5db0"><title>%s</title></rect>`,
			labelWidth, y, max(w, 1), barHeight, html.EscapeString(label+": "+v))
		text(&b, labelWidth+w+6, y+13, "start", v)
	}
	axis(&b, h-14, top)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// phaseChart draws one stacked bar per request: resolve, connect, TLS,
// processing and transfer.
func phaseChart(reqs []results.PhaseTimings) template.HTML {
	var top time.Duration
	for _, q := range reqs {
		top = max(top, phaseSum(q))
	}
	var b strings.Builder
	h := len(reqs)*rowHeight + 54
	openSVG(&b, h, "request phases")
	scale := barScale(top)
	for i, q := range reqs {
		y := 8 + i*rowHeight
		label := fmt.Sprintf("request %d", i+1)
		if q.Failure != nil {
			label += " (" + string(q.Failure.Class) + ")"
		}
		text(&b, labelWidth-8, y+13, "end", label)
		x := float64(labelWidth)
		for j, d := range []results.Duration{q.Resolve, q.Connect, q.TLS, q.Processing, q.Transfer} {
			w := float64(d) * scale
			if w <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s</title></rect>`,
				x, y, w, barHeight, phaseColors[j].color, phaseColors[j].name, d.Human())
			x += w
		}
		text(&b, int(x)+6, y+13, "start", results.Duration(phaseSum(q)).Human())
	}
	axis(&b, h-38, top)
	lx := labelWidth
	for _, p := range phaseColors {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, lx, h-16, p.color)
		text(&b, lx+16, h-6, "start", p.name)
		lx += 100
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

func openSVG(b *strings.Builder, h int, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" font-family="system-ui,sans-serif" font-size="12"><title>%s</title>`,
		chartWidth, h, chartWidth, h, html.EscapeString(title))
}

func text(b *strings.Builder, x, y int, anchor, s string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" fill="#1b1f24">%s</text>`, x, y, anchor, html.EscapeString(s))
}

// axis draws the zero line's end label: the scale's maximum.
func axis(b *strings.Builder, y int, top time.Duration) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8e99a8"/>`, labelWidth, y, chartWidth-valueWidth, y)
	text(b, labelWidth, y+12, "start", "0")
	text(b, chartWidth-valueWidth, y+12, "end", results.Duration(top).Human())
}

func barScale(top time.Duration) float64 {
	if top <= 0 {
		return 0
	}
	return float64(chartWidth-labelWidth-valueWidth) / float64(top)
}

func minRTT(l results.LandmarkRTT) time.Duration {
	if l.Summary.Min > 0 {
		return l.Summary.Min.D()
	}
	var m time.Duration
	for _, s := range l.Samples {
		if m == 0 || (s > 0 && s.D() < m) {
			m = s.D()
		}
	}
	return m
}

func phaseSum(q results.PhaseTimings) time.Duration {
	return (q.Resolve + q.Connect + q.TLS + q.Processing + q.Transfer).D()
}
