package creds

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// The patterns of Redact, compiled on first use: most runs of awsfresh
// redact nothing, and start-up must not pay for them.
var (
	// Access key ids: AKIA (user), ASIA (temporary) and the other IAM
	// unique-id prefixes that can appear next to them.
	keyIDPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(AKIA|ASIA|AROA|AIDA|ABIA|ACCA|AGPA|ANPA)[A-Z0-9]{12,}\b`)
	})
	// "SecretAccessKey": "…", aws_session_token = …, AWS_SESSION_TOKEN=… and friends.
	secretFieldPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)("?(?:secret_?access_?key|session_?token|aws_secret_access_key|aws_session_token|access_?token|refresh_?token|client_?secret|token)"?\s*[:=]\s*"?)([^"\s,}]+)`)
	})
	// Any long run of base64 characters: secret keys are 40 of them and
	// session tokens hundreds.
	longTokenPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9/+=]{40,}`) })
)

// Redacted is what Redact puts where a secret was.
const Redacted = "[REDACTED]"

// Redact returns s with every credential-like value hidden: the given
// known secrets, access key ids (masked as by MaskKeyID), the values of
// secret-looking keys, and any long base64 run. Use it on every piece of
// command output that may reach a message, a log or an error.
func Redact(s string, known ...string) string {
	for _, k := range known {
		if len(k) >= 8 {
			s = strings.ReplaceAll(s, k, Redacted)
		}
	}
	s = secretFieldPattern().ReplaceAllString(s, "${1}"+Redacted)
	s = longTokenPattern().ReplaceAllStringFunc(s, func(m string) string {
		if m == Redacted || pathLike(m) {
			// A path with a hex digest in it — the SHA-1 name of an SSO
			// token cache file — is not a secret, and the user needs it.
			return m
		}
		return Redacted
	})
	return keyIDPattern().ReplaceAllStringFunc(s, MaskKeyID)
}

// Secrets returns the secret parts of c — the secret key and the session
// token — to pass to Redact as known secrets: output that repeats them is
// cleaned even when they do not look like secrets.
func (c Credentials) Secrets() []string {
	var s []string
	for _, v := range []string{c.SecretAccessKey, c.SessionToken} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// secretEnvNames are the environment variables that hold AWS secrets.
var secretEnvNames = []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}

// EnvSecrets returns the values of the variables that hold AWS secrets in
// env (a list of "NAME=value", as from os.Environ), to pass to Redact.
func EnvSecrets(env []string) []string {
	var s []string
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if ok && value != "" && slices.Contains(secretEnvNames, name) {
			s = append(s, value)
		}
	}
	return s
}

// pathLike reports whether s has no uppercase letter, '+' or '=': a path
// or a lowercase digest. AWS secret keys and tokens are random base64,
// which has them (a 40-character one lacks them once in a billion).
func pathLike(s string) bool {
	return !strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ+=")
}
