// Package strictjson decodes JSON documents that must have exactly one
// meaning: signed report payloads, envelopes and documents agents submit.
//
// encoding/json accepts a document with the same key twice (the last value
// wins), unknown fields and data after the value. A signer's and a
// verifier's parsers can then disagree about what was signed: a payload
// with "predicateType" twice reads as the foreign type to one parser and as
// ours to another. Decode refuses all three.
package strictjson
