package creds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// ErrEmptyOutput is returned by Parse when the output holds nothing but
// white space.
var ErrEmptyOutput = errors.New("credentials output is empty")

// ParseError says what is wrong with an export command's output. It names
// the key but never carries the value.
type ParseError struct {
	Key     string // JSON key at fault; empty for a syntax error
	Problem string // "is missing", "must be a string", …
	Offset  int64  // byte offset of a syntax error, else 0
	Err     error  // underlying decoder error, if any
}

func (e *ParseError) Error() string {
	if e.Key == "" {
		if e.Offset > 0 {
			return fmt.Sprintf("credentials output is not valid JSON (%s at byte %d)", e.Problem, e.Offset)
		}
		return "credentials output " + e.Problem
	}
	return fmt.Sprintf("credentials output: %q %s", e.Key, e.Problem)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads the JSON an export command printed. It accepts the
// credential_process v1 object, Claude Code's {"Credentials": {...}} object
// and the output of `aws sts assume-role` / `get-session-token`, whose
// Credentials object has the same keys. Unknown fields are ignored.
func Parse(data []byte) (Credentials, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Credentials{}, ErrEmptyOutput
	}
	var top map[string]json.RawMessage
	if err := decodeOne(data, &top); err != nil {
		return Credentials{}, err
	}
	if top == nil {
		return Credentials{}, &ParseError{Problem: "must be a JSON object"}
	}
	fields := top
	prefix := ""
	if raw, ok := top["Credentials"]; ok {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inner); err != nil || inner == nil {
			return Credentials{}, &ParseError{Key: "Credentials", Problem: "must be a JSON object"}
		}
		fields, prefix = inner, "Credentials."
	} else if raw, ok := top["Version"]; ok {
		var v json.Number
		if err := json.Unmarshal(raw, &v); err != nil || v.String() != "1" {
			return Credentials{}, &ParseError{Key: "Version", Problem: "must be 1"}
		}
	}

	var c Credentials
	var err error
	if c.AccessKeyID, err = stringField(fields, prefix, "AccessKeyId", true); err != nil {
		return Credentials{}, err
	}
	if c.SecretAccessKey, err = stringField(fields, prefix, "SecretAccessKey", true); err != nil {
		return Credentials{}, err
	}
	if c.SessionToken, err = stringField(fields, prefix, "SessionToken", false); err != nil {
		return Credentials{}, err
	}
	exp, err := stringField(fields, prefix, "Expiration", false)
	if err != nil {
		return Credentials{}, err
	}
	if exp != "" {
		if c.Expiration, err = parseTime(exp); err != nil {
			return Credentials{}, &ParseError{Key: prefix + "Expiration", Problem: "is not an RFC 3339 time"}
		}
	}
	return c, nil
}

// decodeOne decodes exactly one JSON value, rejecting trailing data.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return syntaxError(err, dec.InputOffset())
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		return &ParseError{Problem: "has data after the JSON object", Offset: off + 1}
	}
	return nil
}

// syntaxError turns a decoder error into a ParseError without the offending
// text: json's own messages may quote a character of the input, and an
// export command's input is full of secrets.
func syntaxError(err error, offset int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ParseError{Problem: "syntax error", Offset: max(se.Offset, 1)}
	case errors.As(err, &te):
		return &ParseError{Problem: "must be a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &ParseError{Problem: "ends too early", Offset: max(offset, 1)}
	default:
		return &ParseError{Problem: "syntax error", Offset: max(offset, 1)}
	}
}

func stringField(fields map[string]json.RawMessage, prefix, key string, required bool) (string, error) {
	raw, ok := fields[key]
	if !ok || string(raw) == "null" {
		if required {
			return "", &ParseError{Key: prefix + key, Problem: "is missing"}
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &ParseError{Key: prefix + key, Problem: "must be a string"}
	}
	if required && s == "" {
		return "", &ParseError{Key: prefix + key, Problem: "is empty"}
	}
	return s, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999Z0700"}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	// Some tools print epoch seconds as a string.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, errors.New("bad time")
}
