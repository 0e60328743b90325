package ssologin

import (
	"crypto/sha1" // the AWS CLI names its cache files by SHA-1; not a security use
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
)

// cacheTimeFormat is how the AWS CLI writes times in its SSO cache: RFC
// 3339, UTC, whole seconds.
const cacheTimeFormat = "2006-01-02T15:04:05Z"

// Token is an SSO token cache file. Its String method never shows a token
// or the client secret.
type Token struct {
	StartURL    string
	Region      string
	AccessToken string
	ExpiresAt   time.Time // of the access token
	// The client registration and refresh token, with which the SDKs renew
	// the access token silently (sso-session profiles).
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time // zero: unknown
	RefreshToken          string
}

// tokenFile is the file's JSON, in the AWS CLI's field order.
type tokenFile struct {
	StartURL              string `json:"startUrl,omitempty"`
	Region                string `json:"region,omitempty"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`
}

// String describes t without its secrets.
func (t Token) String() string {
	return fmt.Sprintf("SSO token for %s, expires %s, refreshable %v", t.StartURL, t.ExpiresAt.UTC().Format(time.RFC3339), t.Refreshable(time.Now()))
}

// Refreshable reports whether the SDKs can renew the access token at now
// without a sign-in: the file holds a refresh token and a client
// registration that has not expired. Whether AWS still honours the refresh
// token (a session ended or revoked) only AWS knows.
func (t Token) Refreshable(now time.Time) bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		(t.RegistrationExpiresAt.IsZero() || now.Before(t.RegistrationExpiresAt))
}

// ReadToken reads a token cache file written by awsfresh, the AWS CLI, or
// an AWS SDK. An error wraps os.ErrNotExist when there is none.
func ReadToken(path string) (Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Token{}, err
	}
	var f tokenFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Token{}, fmt.Errorf("SSO token cache %s is not valid JSON", path)
	}
	t := Token{StartURL: f.StartURL, Region: f.Region, AccessToken: f.AccessToken, ClientID: f.ClientID,
		ClientSecret: f.ClientSecret, RefreshToken: f.RefreshToken}
	if t.ExpiresAt, err = time.Parse(time.RFC3339, f.ExpiresAt); err != nil || t.AccessToken == "" {
		return Token{}, fmt.Errorf("SSO token cache %s: no accessToken or bad expiresAt", path)
	}
	if f.RegistrationExpiresAt != "" {
		if t.RegistrationExpiresAt, err = time.Parse(time.RFC3339, f.RegistrationExpiresAt); err != nil {
			return Token{}, fmt.Errorf("SSO token cache %s: bad registrationExpiresAt", path)
		}
	}
	return t, nil
}

// WriteToken writes t to path the way the AWS CLI does: 0600, in a 0700
// directory, replaced atomically so that a reader never sees half a file.
func WriteToken(path string, t Token) error {
	f := tokenFile{
		StartURL: t.StartURL, Region: t.Region, AccessToken: t.AccessToken,
		ExpiresAt: t.ExpiresAt.UTC().Format(cacheTimeFormat),
		ClientID:  t.ClientID, ClientSecret: t.ClientSecret, RefreshToken: t.RefreshToken,
	}
	if !t.RegistrationExpiresAt.IsZero() {
		f.RegistrationExpiresAt = t.RegistrationExpiresAt.UTC().Format(cacheTimeFormat)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// registration is a client registration as the AWS CLI caches it.
type registration struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	ExpiresAt    string   `json:"expiresAt"`
	Scopes       []string `json:"scopes,omitempty"`
	GrantTypes   []string `json:"grantTypes,omitempty"`
}

// expires parses ExpiresAt; a zero time when it cannot.
func (r registration) expires() time.Time {
	t, _ := time.Parse(time.RFC3339, r.ExpiresAt)
	return t
}

// fits reports whether r can be reused at now for the flow (authorization
// code or not) and scopes: unexpired with margin, registered for the
// flow's grant, and with the scopes asked for.
func (r registration) fits(now time.Time, authCode bool, scopes []string) bool {
	if r.ClientID == "" || r.ClientSecret == "" || !now.Add(expiryMargin).Before(r.expires()) {
		return false
	}
	if authCode != slices.Contains(r.GrantTypes, grantAuthCode) {
		return false
	}
	return slices.Equal(r.Scopes, scopes)
}

// expiryMargin: a registration this close to its end is not reused, as by
// the AWS CLI (a sign-in must not outlive its registration).
const expiryMargin = 15 * time.Minute

// registrationFile is where the AWS CLI caches the client registration for
// a session: next to the tokens, named by the SHA-1 of a JSON description
// of the session, so that the two share registrations.
func registrationFile(tokenDir string, s Session, region string) string {
	scopes := "null"
	if s.Scopes != nil {
		quoted := make([]string, len(s.Scopes))
		for i, sc := range s.Scopes {
			quoted[i] = pythonJSONString(sc)
		}
		scopes = "[" + strings.Join(quoted, ", ") + "]"
	}
	name := "null"
	if s.Name != "" {
		name = pythonJSONString(s.Name)
	}
	// json.dumps(..., sort_keys=True) of the AWS CLI, byte for byte.
	key := fmt.Sprintf(`{"region": %s, "scopes": %s, "session_name": %s, "startUrl": %s, "tool": "botocore"}`,
		pythonJSONString(region), scopes, name, pythonJSONString(s.StartURL))
	sum := sha1.Sum([]byte(key))
	return filepath.Join(tokenDir, hex.EncodeToString(sum[:])+".json")
}

// pythonJSONString quotes s as Python's json.dumps does by default: ASCII
// only, other characters as \uXXXX (UTF-16).
func pythonJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r > 0x7e && r < 0x10000):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func readRegistration(path string) (registration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return registration{}, err
	}
	var r registration
	if err := json.Unmarshal(data, &r); err != nil {
		return registration{}, fmt.Errorf("client registration cache %s is not valid JSON", path)
	}
	return r, nil
}

func writeRegistration(path string, r registration) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}
