package simaws

import (
	"bytes"
	"crypto/sha1" // the SDK and the CLI name SSO cache files by SHA-1; not a security use
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
)

// ErrInvalidArgument is wrapped by the file helpers' errors for arguments
// they refuse (a relative home directory, an empty or malformed name).
var ErrInvalidArgument = errors.New("simaws: invalid argument")

// ssoCacheFile is the token cache `aws sso login` writes, in its field order.
type ssoCacheFile struct {
	StartURL              string `json:"startUrl"`
	Region                string `json:"region"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`
}

// cacheTime formats a time the way the AWS CLI writes it in the SSO cache:
// RFC 3339, UTC, whole seconds.
func cacheTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// SSOCachePath returns where the AWS CLI and the AWS SDKs keep the token of
// the sso-session named ssoSessionName under home:
// <home>/.aws/sso/cache/<lowercase hex SHA-1 of the name>.json.
func SSOCachePath(home, ssoSessionName string) string {
	sum := sha1.Sum([]byte(ssoSessionName))
	return filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

// WriteSSOCache writes tok as the SSO token cache of the sso-session named
// ssoSessionName, exactly where and how `aws sso login` does (see
// [SSOCachePath]): accessToken, expiresAt (RFC 3339 UTC), refreshToken,
// clientId, clientSecret, registrationExpiresAt, region and startUrl, in a
// 0600 file in 0700 directories, replaced atomically. It returns the file's
// path. home must be absolute.
func WriteSSOCache(home, ssoSessionName, startURL, region string, tok SSOToken) (path string, err error) {
	if !filepath.IsAbs(home) || ssoSessionName == "" || tok.AccessToken == "" || tok.ExpiresAt.IsZero() {
		return "", fmt.Errorf("%w: WriteSSOCache needs an absolute home, a session name, an access token and its expiry", ErrInvalidArgument)
	}
	f := ssoCacheFile{
		StartURL:     startURL,
		Region:       region,
		AccessToken:  tok.AccessToken,
		ExpiresAt:    cacheTime(tok.ExpiresAt),
		ClientID:     tok.ClientID,
		ClientSecret: tok.ClientSecret,
		RefreshToken: tok.RefreshToken,
	}
	if !tok.RegistrationExpiresAt.IsZero() {
		f.RegistrationExpiresAt = cacheTime(tok.RegistrationExpiresAt)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("simaws: encode SSO cache: %w", err)
	}
	path = SSOCachePath(home, ssoSessionName)
	if err := writeFileAtomic(path, data); err != nil {
		return "", err
	}
	return path, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, creating missing directories with mode 0700. The file gets
// mode 0600, as the AWS CLI's.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("simaws: write %s: %w", path, err)
	}
	return nil
}

// validName reports whether a profile or session name can go in a section
// header of the shared config file.
func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "[]\r\n") && strings.TrimSpace(s) == s
}

// WriteSSOProfile writes <home>/.aws/config with a profile that gets its
// credentials from IAM Identity Center through the sso-session ssoSession:
//
//	[profile <profile>]            ([default] for "default")
//	sso_session = <ssoSession>
//	sso_account_id = <accountID>
//	sso_role_name = <roleName>
//	region = <region>
//
//	[sso-session <ssoSession>]
//	sso_start_url = <startURL>
//	sso_region = <region>
//	sso_registration_scopes = sso:account:access
//
// Sections of an existing file with the same names are replaced, others kept.
// home must be absolute. Point AWS_CONFIG_FILE at the file, or HOME at home.
func WriteSSOProfile(home, profile, ssoSession, startURL, region, accountID, roleName string) error {
	if !filepath.IsAbs(home) || !validName(profile) || !validName(ssoSession) ||
		!validAccountID(accountID) || roleName == "" || startURL == "" || region == "" ||
		strings.ContainsAny(startURL+region+roleName, "\r\n") {
		return fmt.Errorf("%w: WriteSSOProfile needs an absolute home, names without brackets or newlines, a 12-digit account ID, a role, a start URL and a region", ErrInvalidArgument)
	}
	profileHeader := "[profile " + profile + "]"
	if profile == "default" {
		profileHeader = "[default]"
	}
	sessionHeader := "[sso-session " + ssoSession + "]"

	path := filepath.Join(home, ".aws", "config")
	var kept bytes.Buffer
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("simaws: read %s: %w", path, err)
	}
	skipping := false
	for _, line := range strings.SplitAfter(string(old), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			norm := "[" + strings.Join(strings.Fields(strings.Trim(trimmed, "[]")), " ") + "]"
			skipping = norm == profileHeader || norm == sessionHeader
		}
		if !skipping && line != "" {
			kept.WriteString(line)
		}
	}
	out := strings.TrimRight(kept.String(), "\n")
	if out != "" {
		out += "\n\n"
	}
	out += fmt.Sprintf("%s\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\nregion = %s\n\n",
		profileHeader, ssoSession, accountID, roleName, region)
	out += fmt.Sprintf("%s\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n",
		sessionHeader, startURL, region)
	return writeFileAtomic(path, []byte(out))
}
