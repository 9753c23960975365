package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// A plan carries each step's typed parameters as JSON, its kind named by
// the step, and the agent decodes them into the same type.
func TestPlanCarriesTypedParams(t *testing.T) {
	s, err := suite.Parse("p.yaml", []byte(`suite: p
provider: {name: p}
probes:
  - probe: rtt
    timeout: 30s
    params:
      sample_timeout: 1s
      landmarks: [{name: a, address: 127.0.0.1, lat: 1, lon: 1}]
  - probe: host
claims:
  - location.in: LU
`))
	if err != nil {
		t.Fatal(err)
	}
	plan := planFor(s, s.Targets[0])
	body, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"params":{"methods":["tcp"],"count":10,`) {
		t.Errorf("plan JSON does not carry the rtt parameters with their defaults as an object: %s", body)
	}
	var back Plan
	if err := json.Unmarshal(body, &back); err != nil {
		t.Fatal(err)
	}
	for i, st := range back.Steps {
		if st.decodeErr != nil || !reflect.DeepEqual(st.Params, plan.Steps[i].Params) {
			t.Errorf("step %s: params %#v (%v), want %#v", st.ID, st.Params, st.decodeErr, plan.Steps[i].Params)
		}
	}
	if p, ok := back.Steps[0].Params.(*probes.RTTParams); !ok || p.SampleTimeout.String() != "1s" || p.Landmarks[0].TCPPort != 7 {
		t.Errorf("rtt params %#v", back.Steps[0].Params)
	}
}

// The agent refuses parameters it does not know, step by step: that step
// records why it could not run and the others run.
func TestAgentRefusesUnknownParamsPerStep(t *testing.T) {
	forged := `{"target":{"Name":"a","Kind":"local"},"steps":[` +
		`{"id":"j","probe":"jurisdiction","params":{"operator":"Clarence","root":"/srv/fake"}},` +
		`{"id":"k","probe":"jurisdiction","params":{"operator":"Clarence"}},` +
		`{"id":"x","probe":"nosuchkind","params":{}}]}`
	var out bytes.Buffer
	if err := ServeAgent(context.Background(), strings.NewReader(forged), &out, Env{}); err != nil {
		t.Fatal(err)
	}
	got := map[string]results.Evidence{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var ev results.Evidence
		if err := dec.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		got[ev.ID] = ev
	}
	if f := got["a/j"].Failure; f == nil || !strings.Contains(f.Message, `unknown field "root"`) {
		t.Errorf("a step with an unknown parameter: failure %+v, want it refused", f)
	}
	if ev := got["a/k"]; ev.Failure != nil || ev.Jurisdiction == nil {
		t.Errorf("the well-formed step: %+v", ev)
	}
	if f := got["a/x"].Failure; f == nil || !strings.Contains(f.Message, "unknown probe") {
		t.Errorf("a step of an unknown kind: failure %+v", f)
	}
}
