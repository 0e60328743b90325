package settings

import (
	"errors"
	"sort"
	"strings"
)

// untrustedEnv lists the env names a project's own settings may set
// without the user's trust: names that decide neither what code runs nor
// where requests go. Everything else a project sets — PATH, HOME,
// LD_PRELOAD, PYTHONUSERBASE, BROWSER, proxies, AWS_CONFIG_FILE,
// AWS_ENDPOINT_URL*, ANTHROPIC_BASE_URL, ANTHROPIC_BEDROCK_BASE_URL,
// CLAUDE_CODE_SHELL_PREFIX, API keys and tokens, or any name awsfresh has
// not heard of — needs `awsfresh trust`, like a command.
var untrustedEnv = map[string]bool{
	// Which of the user's own profiles and which AWS region.
	"AWS_PROFILE":        true,
	"AWS_REGION":         true,
	"AWS_DEFAULT_REGION": true,
	// Claude Code: which model, and on which of the user's providers.
	"ANTHROPIC_MODEL":                       true,
	"ANTHROPIC_SMALL_FAST_MODEL":            true,
	"ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION": true,
	"ANTHROPIC_DEFAULT_OPUS_MODEL":          true,
	"ANTHROPIC_DEFAULT_SONNET_MODEL":        true,
	"ANTHROPIC_DEFAULT_HAIKU_MODEL":         true,
	"CLAUDE_CODE_SUBAGENT_MODEL":            true,
	"CLAUDE_CODE_USE_BEDROCK":               true,
	// Claude Code: limits and feature switches.
	"CLAUDE_CODE_MAX_OUTPUT_TOKENS":            true,
	"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": true,
	"CLAUDE_CODE_DISABLE_TERMINAL_TITLE":       true,
	"MAX_THINKING_TOKENS":                      true,
	"API_TIMEOUT_MS":                           true,
	"BASH_DEFAULT_TIMEOUT_MS":                  true,
	"BASH_MAX_TIMEOUT_MS":                      true,
	"BASH_MAX_OUTPUT_LENGTH":                   true,
	"MCP_TIMEOUT":                              true,
	"MCP_TOOL_TIMEOUT":                         true,
	"MAX_MCP_OUTPUT_TOKENS":                    true,
	"DISABLE_PROMPT_CACHING":                   true,
	"DISABLE_TELEMETRY":                        true,
	"DISABLE_ERROR_REPORTING":                  true,
	"DISABLE_AUTOUPDATER":                      true,
	"DISABLE_BUG_COMMAND":                      true,
	"DISABLE_COST_WARNINGS":                    true,
	"DISABLE_NON_ESSENTIAL_MODEL_CALLS":        true,
}

// EnvAllowedUntrusted reports whether a project's settings may set the
// environment variable name without the user's trust (see the list
// above). Names compare case-insensitively: some programs read
// environment names that way, and Windows does.
func EnvAllowedUntrusted(name string) bool {
	return untrustedEnv[strings.ToUpper(name)]
}

// EnvAllowedUntrustedNames returns the names EnvAllowedUntrusted accepts,
// sorted, for documentation and messages.
func EnvAllowedUntrustedNames() []string {
	names := make([]string, 0, len(untrustedEnv))
	for n := range untrustedEnv {
		names = append(names, n)
	}
	sort.Strings(names)
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
		return !EnvAllowedUntrusted(name)
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
