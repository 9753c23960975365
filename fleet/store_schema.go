package fleet

// identitySchema is schema step 3 of both stores, with the dialect's
// integer and boolean column types: the agent ID is the identity.
//
//   - Names are unique, regardless of case, among agents not replaced
//     (name_key, a partial unique index). In a store made before, a name
//     several agents share stays with the oldest of them; the younger ones
//     keep it as a label with a key that cannot collide (name#id), and
//     "serve agents" marks them.
//   - Every agent has the suite target the verifier bound it to. Agents
//     enrolled before were run as the target named like them, and keep
//     that binding, unless a name they shared went to an older agent.
//   - Tokens carry what they bind: a name, a target, an agent to replace.
//   - Latest runs are kept per agent ID (latest_runs). A latest run of a
//     name only one agent ever held is carried over; one of a shared name
//     is dropped, since nobody can tell which agent submitted it: that
//     agent's /probe says "no_run" until its next submission.
func identitySchema(integer, boolean string) string {
	return `
ALTER TABLE agents ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN replaced_by TEXT NOT NULL DEFAULT '';
UPDATE agents SET name_key = lower(name), target = name;
UPDATE agents SET name_key = lower(name) || '#' || id, target = '' WHERE EXISTS (
	SELECT 1 FROM agents older WHERE lower(older.name) = lower(agents.name)
	AND (older.enrolled < agents.enrolled OR (older.enrolled = agents.enrolled AND older.id < agents.id)));
CREATE UNIQUE INDEX agents_name_key ON agents (name_key) WHERE replaced_by = '';
ALTER TABLE enrol_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE enrol_tokens ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE enrol_tokens ADD COLUMN replaces TEXT NOT NULL DEFAULT '';
CREATE TABLE latest_runs (
	suite    TEXT NOT NULL,
	agent_id TEXT NOT NULL,
	run_id   TEXT NOT NULL,
	ended    ` + integer + ` NOT NULL, -- unix nanoseconds, the verifier's clock
	ok       ` + boolean + ` NOT NULL,
	verdicts TEXT NOT NULL,            -- JSON []results.Verdict
	PRIMARY KEY (suite, agent_id)
);
INSERT INTO latest_runs (suite, agent_id, run_id, ended, ok, verdicts)
	SELECT l.suite, a.id, l.run_id, l.ended, l.ok, l.verdicts FROM latest l JOIN agents a ON a.name = l.agent
	WHERE (SELECT COUNT(*) FROM agents b WHERE lower(b.name) = lower(l.agent)) = 1;
DROP TABLE latest;
`
}
