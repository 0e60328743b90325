package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"unicode/utf8"
)

// Key names used by awsfresh. All other keys are ignored.
const (
	KeyAuthRefresh      = "awsAuthRefresh"
	KeyCredentialExport = "awsCredentialExport"
	KeyEnv              = "env"
)

// FileSettings is what one settings file defines, as returned by [Parse].
type FileSettings struct {
	// AuthRefresh and CredentialExport are "" when the file does not set
	// them or sets them to an empty or all-blank string.
	AuthRefresh      string
	CredentialExport string
	// Env holds the file's env entries; nil when the file has none.
	Env map[string]string
	// Keys lists the used keys the file defines, sorted: "awsAuthRefresh",
	// "awsCredentialExport", and "env.NAME" for each env entry.
	Keys []string
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse parses the content of one settings file. path is used only in
// error messages. It never panics.
//
// The content must be a JSON object; an empty (or all-whitespace) file
// counts as an empty object, and a leading UTF-8 byte order mark is
// ignored. Invalid JSON yields a *SyntaxError with the line and column;
// a used key of the wrong type yields a *TypeError; an unusable env name
// or a value holding a NUL byte yields a *KeyError.
//
// Like Claude Code, which stores env entries in the process environment,
// Parse accepts env values that are JSON numbers or booleans and uses
// their JSON text ("8080", "true"); objects, arrays and null are a
// *TypeError.
func Parse(path string, data []byte) (*FileSettings, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	fs := &FileSettings{}
	if len(trimJSONSpace(data)) == 0 {
		return fs, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := syntaxPosition(data, se)
			return nil, &SyntaxError{Path: path, Line: line, Column: col, Err: se}
		}
		// The JSON is valid, so the only possible failure is a top-level
		// value that is not an object.
		return nil, &TypeError{Path: path, Want: "object", Got: jsonKind(trimJSONSpace(data))}
	}
	if top == nil { // the file is "null"
		return nil, &TypeError{Path: path, Want: "object", Got: "null"}
	}

	var err error
	if fs.AuthRefresh, err = commandKey(path, top, KeyAuthRefresh); err != nil {
		return nil, err
	}
	if fs.CredentialExport, err = commandKey(path, top, KeyCredentialExport); err != nil {
		return nil, err
	}
	if fs.Env, err = envKey(path, top); err != nil {
		return nil, err
	}

	if fs.AuthRefresh != "" {
		fs.Keys = append(fs.Keys, KeyAuthRefresh)
	}
	if fs.CredentialExport != "" {
		fs.Keys = append(fs.Keys, KeyCredentialExport)
	}
	names := make([]string, 0, len(fs.Env))
	for name := range fs.Env {
		names = append(names, KeyEnv+"."+name)
	}
	sort.Strings(names)
	fs.Keys = append(fs.Keys, names...)
	return fs, nil
}

func commandKey(path string, top map[string]json.RawMessage, key string) (string, error) {
	raw, ok := top[key]
	if !ok {
		return "", nil
	}
	if kind := jsonKind(raw); kind != "string" {
		return "", &TypeError{Path: path, Key: key, Want: "string", Got: kind}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &TypeError{Path: path, Key: key, Want: "string", Got: "invalid string"}
	}
	if strings.TrimSpace(s) == "" {
		return "", nil // an empty command counts as unset
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", &KeyError{Path: path, Key: key, Reason: "contains a NUL byte"}
	}
	return s, nil
}

func envKey(path string, top map[string]json.RawMessage) (map[string]string, error) {
	raw, ok := top[KeyEnv]
	if !ok {
		return nil, nil
	}
	if kind := jsonKind(raw); kind != "object" {
		return nil, &TypeError{Path: path, Key: KeyEnv, Want: "object", Got: kind}
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, &TypeError{Path: path, Key: KeyEnv, Want: "object", Got: "invalid object"}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	env := make(map[string]string, len(entries))
	for name, raw := range entries {
		key := KeyEnv + "." + name
		switch {
		case name == "":
			return nil, &KeyError{Path: path, Key: key, Reason: "has an empty environment variable name"}
		case strings.ContainsAny(name, "=\x00"):
			return nil, &KeyError{Path: path, Key: key, Reason: "is not a valid environment variable name (it contains '=' or a NUL byte)"}
		}
		var value string
		switch kind := jsonKind(raw); kind {
		case "string":
			if err := json.Unmarshal(raw, &value); err != nil {
				return nil, &TypeError{Path: path, Key: key, Want: "string", Got: "invalid string"}
			}
		case "number", "boolean":
			value = string(trimJSONSpace(raw))
		default:
			return nil, &TypeError{Path: path, Key: key, Want: "string", Got: kind}
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, &KeyError{Path: path, Key: key, Reason: "has a value that contains a NUL byte"}
		}
		env[name] = value
	}
	return env, nil
}

// jsonKind names the JSON type of a valid JSON value.
func jsonKind(raw []byte) string {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

const errUnexpectedEnd = "unexpected end of JSON input"

// syntaxPosition converts a *json.SyntaxError's byte offset into a 1-based
// line and column (in runes) of data.
func syntaxPosition(data []byte, se *json.SyntaxError) (line, col int) {
	off := int(se.Offset)
	if jsonOffsetAfterByte && off > 0 && se.Error() != errUnexpectedEnd {
		// encoding/json reports the offset after the offending byte.
		off--
	}
	off = max(0, min(off, len(data)))
	return lineColumn(data, off)
}

// lineColumn returns the 1-based line and column of byte offset off in
// data. Lines end at '\n'; columns count runes.
func lineColumn(data []byte, off int) (line, col int) {
	prefix := data[:off]
	line = 1 + bytes.Count(prefix, []byte{'\n'})
	start := bytes.LastIndexByte(prefix, '\n') + 1
	col = 1 + utf8.RuneCount(prefix[start:])
	return line, col
}
