package host

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

// docSpec describes one metadata document: where it is, what to send, what
// the answer must carry and which fields to keep.
type docSpec struct {
	Path       string
	Header     map[string]string
	YAML       bool
	Fields     map[string]string // answer field → dotted path in the document
	Required   string            // answer field that must be non-empty
	WantHeader [2]string         // a response header the real service always sends
}

var (
	awsDoc = docSpec{
		Path: "/latest/dynamic/instance-identity/document", Required: "instance_id",
		Fields: map[string]string{"instance_id": "instanceId", "region": "region", "availability_zone": "availabilityZone",
			"instance_type": "instanceType", "account_id": "accountId", "image_id": "imageId"},
	}
	gceDoc = docSpec{
		Path: "/computeMetadata/v1/instance/?recursive=true&alt=json", Required: "instance_id",
		Header:     map[string]string{"Metadata-Flavor": "Google"},
		WantHeader: [2]string{"Metadata-Flavor", "Google"},
		Fields:     map[string]string{"instance_id": "id", "name": "name", "zone": "zone", "machine_type": "machineType", "hostname": "hostname"},
	}
	azureDoc = docSpec{
		Path: "/metadata/instance?api-version=2021-02-01", Required: "vm_id",
		Header: map[string]string{"Metadata": "true"},
		Fields: map[string]string{"vm_id": "compute.vmId", "name": "compute.name", "location": "compute.location",
			"vm_size": "compute.vmSize", "subscription_id": "compute.subscriptionId", "environment": "compute.azEnvironment", "zone": "compute.zone"},
	}
	openstackDoc = docSpec{
		Path: "/openstack/latest/meta_data.json", Required: "uuid",
		Fields: map[string]string{"uuid": "uuid", "name": "name", "hostname": "hostname", "availability_zone": "availability_zone", "project_id": "project_id"},
	}
	scalewayDoc = docSpec{
		Path: "/conf?format=json", Required: "id",
		Fields: map[string]string{"id": "id", "name": "name", "hostname": "hostname", "commercial_type": "commercial_type",
			"zone": "location.zone_id", "project": "project", "organization": "organization"},
	}
	hetznerDoc = docSpec{
		Path: "/hetzner/v1/metadata", YAML: true, Required: "instance_id",
		Fields: map[string]string{"instance_id": "instance-id", "hostname": "hostname", "region": "region", "availability_zone": "availability-zone"},
	}
	oracleDoc = docSpec{
		Path: "/opc/v2/instance/", Required: "id",
		Header: map[string]string{"Authorization": "Bearer Oracle"},
		Fields: map[string]string{"id": "id", "name": "displayName", "region": "canonicalRegionName", "availability_domain": "availabilityDomain",
			"shape": "shape", "compartment_id": "compartmentId"},
	}
)

// askAWS runs the IMDSv2 flow (PUT a session token, then GET with it) and
// falls back to IMDSv1 (GET without a token) when no token is issued; Mode
// records which one answered.
func askAWS(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	rep, f := c.do(ctx, http.MethodPut, base+"/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
	if f != nil && rep.Status == 0 {
		a.Failure = f // nothing answered: IMDSv1 would meet the same fate
		return
	}
	a.Status = rep.Status
	token := strings.TrimSpace(string(rep.Body))
	if f == nil && rep.Status == http.StatusOK && token != "" && len(token) < 1024 && !strings.ContainsAny(token, "\r\n") {
		spec := awsDoc
		spec.Header = map[string]string{"X-aws-ec2-metadata-token": token}
		if askDoc(ctx, c, base, spec, a) {
			a.Mode = "imdsv2"
		}
		return
	}
	if askDoc(ctx, c, base, awsDoc, a) {
		a.Mode = "imdsv1"
	}
}

// askGCE asks the GCE metadata server; an answer without the
// Metadata-Flavor: Google response header is not GCE's.
func askGCE(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	if askDoc(ctx, c, base, gceDoc, a) {
		for _, k := range []string{"zone", "machine_type"} {
			if v := a.Fields[k]; v != "" {
				a.Fields[k] = path.Base(v) // projects/123/zones/europe-west1-b → europe-west1-b
			}
		}
	}
}

func askAzure(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	askDoc(ctx, c, base, azureDoc, a)
}

func askOpenStack(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	askDoc(ctx, c, base, openstackDoc, a)
}

func askScaleway(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	askDoc(ctx, c, base, scalewayDoc, a)
}

func askHetzner(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	askDoc(ctx, c, base, hetznerDoc, a)
}

func askOracle(ctx context.Context, c *imdsClient, base string, a *results.IMDSAnswer) {
	askDoc(ctx, c, base, oracleDoc, a)
}

// askDoc fetches one document and fills a. It reports whether the service
// answered in the flavour's protocol; otherwise a.Failure says why.
func askDoc(ctx context.Context, c *imdsClient, base string, s docSpec, a *results.IMDSAnswer) bool {
	url := base + s.Path
	a.URL = url
	rep, f := c.do(ctx, http.MethodGet, url, s.Header)
	a.Status = rep.Status
	bogus := func(format string, args ...any) bool {
		a.Failure = &results.Failure{Class: results.ClassBogus, Operation: "http", Message: fmt.Sprintf(format, args...)}
		return false
	}
	switch {
	case f != nil:
		a.Failure = f
		return false
	case rep.Status != http.StatusOK:
		a.Failure = &results.Failure{Class: results.ClassHTTPError, Operation: "http", Message: fmt.Sprintf("status %d", rep.Status)}
		return false
	case s.WantHeader[0] != "" && rep.Header.Get(s.WantHeader[0]) != s.WantHeader[1]:
		return bogus("answer lacks %s: %s", s.WantHeader[0], s.WantHeader[1])
	}
	doc, err := decodeDoc(rep.Body, s.YAML)
	if err != nil {
		return bogus("decoding %s: %v", s.Path, err)
	}
	fields := map[string]string{}
	for name, p := range s.Fields {
		if v := lookupPath(doc, p); v != "" {
			fields[name] = v
		}
	}
	if fields[s.Required] == "" {
		return bogus("document has no %s", s.Fields[s.Required])
	}
	a.Answered, a.Fields, a.Failure = true, fields, nil
	return true
}

// decodeDoc decodes a JSON (numbers kept exact) or YAML document.
func decodeDoc(body []byte, isYAML bool) (any, error) {
	var doc any
	if isYAML {
		if err := yaml.Unmarshal(body, &doc); err != nil {
			return nil, err
		}
		return doc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// lookupPath follows a dotted path through maps and renders the scalar at
// its end; "" when any step is missing or the end is not a scalar.
func lookupPath(doc any, dotted string) string {
	cur := doc
	for _, k := range strings.Split(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	switch v := cur.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}
