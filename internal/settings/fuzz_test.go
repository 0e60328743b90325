package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that any invalid JSON yields a
// *SyntaxError whose position lies inside (or just past the end of) the
// input, and that valid input is either accepted or rejected with a typed
// error that does not echo string values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"awsAuthRefresh": "aws sso login --profile dev", "env": {"AWS_PROFILE": "dev"}}`,
		"{\n  \"env\": {\n",
		`{"env": {"A": 1, "B": true, "C": null}}`,
		"\xEF\xBB\xBF{\"a\": [1, 2,, 3]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Parse("/p/settings.json", data)
		body := bytes.TrimPrefix(data, utf8BOM)
		blank := len(trimJSONSpace(body)) == 0
		if !blank && !json.Valid(body) {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("invalid JSON %q: err = %v, want *SyntaxError", data, err)
			}
			lines := bytes.Count(body, []byte{'\n'}) + 1
			if se.Line < 1 || se.Column < 1 || se.Line > lines {
				t.Fatalf("invalid JSON %q: position %d:%d out of range (%d lines)", data, se.Line, se.Column, lines)
			}
			lineText := strings.Split(string(body), "\n")[se.Line-1]
			if se.Column > utf8.RuneCountInString(lineText)+1 {
				t.Fatalf("invalid JSON %q: column %d beyond line %q", data, se.Column, lineText)
			}
			if !strings.HasPrefix(err.Error(), "settings: /p/settings.json:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if err != nil {
			var te *TypeError
			var ke *KeyError
			if !errors.As(err, &te) && !errors.As(err, &ke) {
				t.Fatalf("valid JSON %q: err = %v (%T), want *TypeError or *KeyError", data, err, err)
			}
			return
		}
		if fs == nil {
			t.Fatal("nil FileSettings without error")
		}
		if strings.TrimSpace(fs.AuthRefresh) == "" && fs.AuthRefresh != "" {
			t.Fatalf("blank AuthRefresh %q not treated as unset", fs.AuthRefresh)
		}
		for name := range fs.Env {
			if name == "" || strings.ContainsAny(name, "=\x00") {
				t.Fatalf("bad env name %q accepted", name)
			}
		}
	})
}
