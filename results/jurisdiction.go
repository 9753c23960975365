package results

// JurisdictionDetails records, from sovbench's operator registry, the chain
// of control behind the operator a suite names and the jurisdictions it
// answers to. It is registry data, not a measurement: its source is the
// registry version and digest.
type JurisdictionDetails struct {
	Operator         string   `json:"operator"`
	Found            bool     `json:"found"`
	RegistryVersion  string   `json:"registry_version"`
	RegistrySHA256   string   `json:"registry_sha256"`
	Chain            []Entity `json:"chain,omitempty"` // the operator first, then its controlling parents
	Jurisdictions    []string `json:"jurisdictions,omitempty"`
	TechnologyVendor string   `json:"technology_vendor,omitempty"`
}

// Entity is one company in a chain of control.
type Entity struct {
	Name         string   `json:"name"`
	LegalEntity  string   `json:"legal_entity"`
	Country      string   `json:"country"`
	ControlledBy []string `json:"controlled_by,omitempty"`
	Sources      []string `json:"sources"`
}
