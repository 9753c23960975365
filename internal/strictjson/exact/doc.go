// Package exact decodes signed report payloads strictly and fast, in one
// pass: the checks of package strictjson (duplicate keys, nesting,
// trailing data, malformed JSON, integers beyond 64 bits) are made while
// the values are read, each value read as encoding/json reads it, through
// a plan built once per Go type.
//
// It is its own package so that what imports strictjson alone (the slim
// agent) does not link the decoder.
package exact
