package settings

import (
	"errors"
	"slices"
	"strings"
)

// untrustedEnv lists the env names a project's own settings may set
// without the user's trust: names that decide neither what code runs nor
// where requests go. Everything else a project sets — PATH, HOME,
// LD_PRELOAD, PYTHONUSERBASE, BROWSER, proxies, AWS_CONFIG_FILE,
// AWS_ENDPOINT_URL*, ANTHROPIC_BASE_URL, ANTHROPIC_BEDROCK_BASE_URL,
// CLAUDE_CODE_SHELL_PREFIX, API keys and tokens, or any name awsfresh has
// not heard of — needs `awsfresh trust`, like a command.
var untrustedEnv = [...]string{
	// Which of the user's own profiles and which AWS region.
	"AWS_PROFILE",
	"AWS_REGION",
	"AWS_DEFAULT_REGION",
	// Claude Code: which model, and on which of the user's providers.
	"ANTHROPIC_MODEL",
	"ANTHROPIC_SMALL_FAST_MODEL",
	"ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION",
	"ANTHROPIC_DEFAULT_OPUS_MODEL",
	"ANTHROPIC_DEFAULT_SONNET_MODEL",
	"ANTHROPIC_DEFAULT_HAIKU_MODEL",
	"CLAUDE_CODE_SUBAGENT_MODEL",
	"CLAUDE_CODE_USE_BEDROCK",
	// Claude Code: limits and feature switches.
	"CLAUDE_CODE_MAX_OUTPUT_TOKENS",
	"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
	"CLAUDE_CODE_DISABLE_TERMINAL_TITLE",
	"MAX_THINKING_TOKENS",
	"API_TIMEOUT_MS",
	"BASH_DEFAULT_TIMEOUT_MS",
	"BASH_MAX_TIMEOUT_MS",
	"BASH_MAX_OUTPUT_LENGTH",
	"MCP_TIMEOUT",
	"MCP_TOOL_TIMEOUT",
	"MAX_MCP_OUTPUT_TOKENS",
	"DISABLE_PROMPT_CACHING",
	"DISABLE_TELEMETRY",
	"DISABLE_ERROR_REPORTING",
	"DISABLE_AUTOUPDATER",
	"DISABLE_BUG_COMMAND",
	"DISABLE_COST_WARNINGS",
	"DISABLE_NON_ESSENTIAL_MODEL_CALLS",
}

// EnvAllowedUntrusted reports whether a project's settings may set the
// environment variable name without the user's trust (see the list
// above). Names compare case-insensitively: some programs read
// environment names that way, and Windows does.
func EnvAllowedUntrusted(name string) bool {
	upper, ok := asciiUpper(name)
	return ok && slices.Contains(untrustedEnv[:], upper)
}

// asciiUpper upper-cases an ASCII name; ok is false for any other: Unicode
// case mapping would let a look-alike (a dotless ı) match an allowed name.
func asciiUpper(name string) (string, bool) {
	b := []byte(name)
	for i, c := range b {
		switch {
		case c >= 0x80:
			return "", false
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b), true
}

// EnvValueAllowedUntrusted reports whether a project's settings may set
// name to value without the user's trust: an allowed name
// ([EnvAllowedUntrusted]) with a plain value. Regions must be region names
// — a region is part of every endpoint's host name, so "x@host:port/"
// would send requests elsewhere — and every other value is a plain word
// (model ids, profile names, numbers, switches), which a message may quote
// and a shell may run without surprises.
func EnvValueAllowedUntrusted(name, value string) bool {
	if !EnvAllowedUntrusted(name) {
		return false
	}
	upper, _ := asciiUpper(name)
	if strings.HasSuffix(upper, "REGION") {
		return ValidRegion(value)
	}
	for _, c := range []byte(value) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("._:/@+=,-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidRegion reports whether s has the form of an AWS region name
// (us-east-1, eu-central-2, us-gov-west-1): lowercase words of letters
// and digits joined by single hyphens, the first of letters only.
func ValidRegion(s string) bool {
	words := strings.Split(s, "-")
	if len(s) > 32 || len(words) < 2 {
		return false
	}
	for i, w := range words {
		if w == "" {
			return false
		}
		for _, c := range []byte(w) {
			if !('a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// EnvAllowedUntrustedNames returns the names EnvAllowedUntrusted accepts,
// sorted, for documentation and messages.
func EnvAllowedUntrustedNames() []string {
	names := slices.Clone(untrustedEnv[:])
	slices.Sort(names)
	return names
}

// NeedsTrust reports whether v may be used only once the user trusted the
// exact content of its file: a command from a project's own settings
// file, or an env entry from one whose name is not allowed untrusted.
func (v *Value) NeedsTrust() bool {
	if v == nil || v.File == nil || !v.File.Scope.NeedsTrust() {
		return false
	}
	if name, ok := strings.CutPrefix(v.Key, KeyEnv+"."); ok {
		return !EnvValueAllowedUntrusted(name, v.Value)
	}
	return true
}

// IsSettingsError reports whether err comes from a settings file or the
// trust store: a configuration problem for the user to fix, not a failure
// of AWS or of a command.
func IsSettingsError(err error) bool {
	var (
		fe *FileError
		se *SyntaxError
		te *TypeError
		ke *KeyError
		ue *UntrustedError
		ts *TrustStoreError
	)
	return errors.As(err, &fe) || errors.As(err, &se) || errors.As(err, &te) ||
		errors.As(err, &ke) || errors.As(err, &ue) || errors.As(err, &ts)
}
