package creds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Format names an output format of `awsfresh export`.
type Format string

// The formats awsfresh prints.
const (
	FormatProcess Format = "process" // credential_process v1
	FormatClaude  Format = "claude"  // Claude Code's awsCredentialExport object
	FormatEnv     Format = "env"     // shell export lines
)

// Formats lists every Format, for help text and validation.
var Formats = []Format{FormatProcess, FormatClaude, FormatEnv}

// ErrNoSessionToken is returned when rendering FormatClaude for credentials
// without a session token: Claude Code rejects such output.
var ErrNoSessionToken = errors.New("the claude format needs temporary credentials with a session token")

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (use process, claude or env)", s)
}

type processJSON struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

type claudeJSON struct {
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken"`
		Expiration      string `json:"Expiration,omitempty"`
	} `json:"Credentials"`
}

// Render returns c in format f, ending in a newline.
func Render(c Credentials, f Format) ([]byte, error) {
	exp := ""
	if c.HasExpiration() {
		exp = c.Expiration.UTC().Format(time.RFC3339)
	}
	switch f {
	case FormatProcess:
		return marshal(processJSON{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: exp})
	case FormatClaude:
		if c.SessionToken == "" {
			return nil, ErrNoSessionToken
		}
		var v claudeJSON
		v.Credentials.AccessKeyID, v.Credentials.SecretAccessKey = c.AccessKeyID, c.SecretAccessKey
		v.Credentials.SessionToken, v.Credentials.Expiration = c.SessionToken, exp
		return marshal(v)
	case FormatEnv:
		var b bytes.Buffer
		line := func(k, v string) { fmt.Fprintf(&b, "export %s=%s\n", k, ShellQuote(v)) }
		line("AWS_ACCESS_KEY_ID", c.AccessKeyID)
		line("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
		// Unset what the previous credentials may have left, so a stale
		// token or expiry never pairs with new keys.
		if c.SessionToken != "" {
			line("AWS_SESSION_TOKEN", c.SessionToken)
		} else {
			b.WriteString("unset AWS_SESSION_TOKEN\n")
		}
		if exp != "" {
			line("AWS_CREDENTIAL_EXPIRATION", exp)
		} else {
			b.WriteString("unset AWS_CREDENTIAL_EXPIRATION\n")
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

func marshal(v any) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ShellQuote quotes s for POSIX shells with single quotes.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,:/@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
