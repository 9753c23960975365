// Package host is the host-identity probe: CPU and hypervisor (CPUID),
// DMI, NICs, resolvers, NTP sources and, when enabled, the instance-metadata
// services, every value reported as claimed with its source, and the
// operator guessed from them by one rule table (OperatorRules()). Its
// parameters are probes.HostParams.
//
// The probe reads the machine it runs on (New). Only a lab host's fixture
// tree stands in for the machine (NewFixture, FixtureReader), and only a
// fixture's CPUID comes from a file.
package host
