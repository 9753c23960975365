// Package exact decodes signed report payloads strictly and fast: the
// checks of package strictjson (duplicate keys, nesting, trailing data,
// malformed JSON) and then a decoder about three times as fast as
// encoding/json that reads every value as encoding/json does.
//
// It is its own package so that what imports strictjson alone (the slim
// agent) does not link the fast decoder.
package exact
