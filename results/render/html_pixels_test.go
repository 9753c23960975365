package render

import "image"

// lumaVariance is the variance of the pixels' luma (0..255): near zero for a
// blank page.
func lumaVariance(img image.Image) float64 {
	b := img.Bounds()
	var sum, sq, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sq += l * l
			n++
		}
	}
	if n == 0 {
		return 0
	}
	m := sum / n
	return sq/n - m*m
}
