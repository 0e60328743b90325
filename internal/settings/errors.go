package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// FileError reports a settings file that could not be read, or a --settings
// file that does not exist. Err is the underlying error (for example an
// *fs.PathError wrapping fs.ErrNotExist or fs.ErrPermission), so
// errors.Is(err, fs.ErrNotExist) works.
type FileError struct {
	Path  string
	Scope Scope
	Err   error
}

func (e *FileError) Error() string {
	if e.Scope == Flag && errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("settings: --settings file %s does not exist", e.Path)
	}
	cause := e.Err
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // the path is already in the message
	}
	return fmt.Sprintf("settings: cannot read %s: %v", e.Path, cause)
}

func (e *FileError) Unwrap() error { return e.Err }

// SyntaxError reports a settings file that is not valid JSON. Line and
// Column are 1-based; Column counts characters (UTF-8 runes), not bytes.
// For a truncated file the position is the end of the file. Err is the
// *json.SyntaxError from encoding/json.
type SyntaxError struct {
	Path   string
	Line   int
	Column int
	Err    error
}

// Error returns, for example,
// "settings: /p/.claude/settings.json:3:17: invalid character '}' looking for beginning of object key string".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("settings: %s:%d:%d: %v", e.Path, e.Line, e.Column, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// TypeError reports a used key whose value has the wrong JSON type, for
// example "awsAuthRefresh": 5. Key is the key path ("awsAuthRefresh",
// "env", "env.NAME"), or "" when the file's top-level value is not an
// object. Want and Got are JSON type names ("string", "number", "object",
// "array", "boolean", "null"). The value itself is never included.
type TypeError struct {
	Path string
	Key  string
	Want string
	Got  string
}

func (e *TypeError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("settings: %s: the file must contain a JSON %s, not %s", e.Path, e.Want, article(e.Got))
	}
	return fmt.Sprintf("settings: %s: %q must be %s, not %s", e.Path, e.Key, article(e.Want), article(e.Got))
}

// KeyError reports a used key that has the right type but cannot be used:
// an env entry whose name is empty or contains '=' or a NUL byte, or a
// command or env value that contains a NUL byte. Key is the key path
// ("awsAuthRefresh", "env.NAME"); Reason says what is wrong without
// echoing the value.
type KeyError struct {
	Path   string
	Key    string
	Reason string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("settings: %s: %q %s", e.Path, e.Key, e.Reason)
}

// UntrustedError is returned by [Settings.CheckTrust] for a value that
// comes from a project's own settings file whose exact content the user
// has not trusted. Changed is true when the file was trusted before but
// its content has changed since. Shadows names the file whose value of
// the same key this one replaces, if any: the user's own command is not
// silently swapped for the project's.
type UntrustedError struct {
	Path    string
	Key     string
	Changed bool
	Shadows string
}

// Error returns, for example, "the awsAuthRefresh command in
// /p/.claude/settings.json comes from the project and is not trusted yet;
// review the file, then run: awsfresh trust /p/.claude/settings.json".
func (e *UntrustedError) Error() string {
	what := "the " + e.Key + " command"
	name, isEnv := strings.CutPrefix(e.Key, KeyEnv+".")
	if isEnv {
		what = "the env setting " + name
	}
	state := "is not trusted yet"
	if e.Changed {
		state = "has changed since you trusted it"
	}
	var notes []string
	if e.Shadows != "" {
		notes = append(notes, "it takes the place of the one in "+e.Shadows)
	}
	if isEnv {
		notes = append(notes, "without trust a project may set only region, profile and Claude Code model and feature names")
	}
	note := ""
	if len(notes) > 0 {
		note = " (" + strings.Join(notes, "; ") + ")"
	}
	return fmt.Sprintf("%s in %s comes from the project and %s%s; review the file, then run: awsfresh trust %s",
		what, e.Path, state, note, shellQuote(e.Path))
}

// TrustStoreError reports a trust store that could not be read or written.
type TrustStoreError struct {
	Path string
	Op   string // "read", "parse" or "write"
	Err  error
}

func (e *TrustStoreError) Error() string {
	return fmt.Sprintf("settings: trust store %s: %s: %v", e.Path, e.Op, e.Err)
}

func (e *TrustStoreError) Unwrap() error { return e.Err }

func article(kind string) string {
	switch kind {
	case "":
		return "unknown"
	case "null":
		return "null"
	case "array", "object":
		return "an " + kind
	default:
		return "a " + kind
	}
}

// shellQuote quotes s for a POSIX shell when it contains anything but
// common path characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("/._-+:,@%=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
