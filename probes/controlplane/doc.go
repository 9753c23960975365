// Package controlplane is the control-plane probe: per-phase HTTP(S)
// timing of an API on fresh connections (net/http/httptrace), the distance
// bound of its front end, its server time and where that fits an answer
// from (OriginOf). Its parameters are probes.ControlPlaneParams.
package controlplane
