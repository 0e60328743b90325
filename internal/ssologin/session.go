package ssologin

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
)

// ScopeAccountAccess is the scope that lets a token get role credentials.
// Registering with it is also what makes AWS hand out refresh tokens.
const ScopeAccountAccess = "sso:account:access"

// Session is an IAM Identity Center session as the shared config file
// describes it.
type Session struct {
	// Name is the sso-session's name; "" for a legacy profile, whose
	// sso_start_url and sso_region are in the profile itself.
	Name     string
	StartURL string
	Region   string // sso_region
	// Scopes are the sso-session's sso_registration_scopes; nil when none
	// are configured, or not read yet.
	Scopes []string
	// ConfigFiles, when set, are the shared config files Scopes are read
	// from when a sign-in needs them, not before: the warm path of every
	// call loads the profile, and only a sign-in registers a client.
	ConfigFiles []string
}

// withScopes returns s with its Scopes read from ConfigFiles, if they were
// not given.
func (s Session) withScopes() (Session, error) {
	if s.Name == "" || s.Scopes != nil || len(s.ConfigFiles) == 0 {
		return s, nil
	}
	scopes, err := RegistrationScopes(s.ConfigFiles, s.Name)
	if err != nil {
		return s, fmt.Errorf("sso_registration_scopes of [sso-session %s]: %w", s.Name, err)
	}
	s.Scopes = scopes
	return s, nil
}

// Legacy reports whether the session is configured in the profile itself
// rather than in an [sso-session] section: its token cannot be renewed
// silently.
func (s Session) Legacy() bool { return s.Name == "" }

// CacheKey is what names the token cache file: the sso-session name, or
// the start URL of a legacy profile.
func (s Session) CacheKey() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// TokenFile is where the AWS CLI, botocore and the AWS SDKs keep the
// session's token: ~/.aws/sso/cache/<sha1 hex of CacheKey>.json.
func (s Session) TokenFile() (string, error) {
	if s.CacheKey() == "" {
		return "", errors.New("the profile names no IAM Identity Center session")
	}
	return ssocreds.StandardCachedTokenFilepath(s.CacheKey())
}

// registrationScopes are the scopes to register with: the configured ones;
// for an sso-session without any, sso:account:access (as the AWS CLI's
// browser flow does), so that the token comes with a refresh token; for a
// legacy profile none, as the AWS CLI does.
func (s Session) registrationScopes() []string {
	switch {
	case len(s.Scopes) > 0:
		return s.Scopes
	case s.Legacy():
		return nil
	}
	return []string{ScopeAccountAccess}
}

// Check reports what the shared config lacks for a sign-in.
func (s Session) Check() error {
	var missing []string
	if s.StartURL == "" {
		missing = append(missing, "sso_start_url")
	}
	if s.Region == "" {
		missing = append(missing, "sso_region")
	}
	if len(missing) == 0 {
		return nil
	}
	where := "the profile"
	if s.Name != "" {
		where = fmt.Sprintf("[sso-session %s]", s.Name)
	}
	return fmt.Errorf("%s lacks %s in the shared config file", where, strings.Join(missing, " and "))
}

// RegistrationScopes reads sso_registration_scopes (comma-separated) of
// the [sso-session name] section from the shared config files; a later
// file wins, as in the SDK. The AWS SDK for Go does not read this key.
// Missing files are not an error.
func RegistrationScopes(configFiles []string, name string) ([]string, error) {
	var scopes []string
	for _, path := range configFiles {
		v, found, err := iniValue(path, "sso-session "+name, "sso_registration_scopes")
		if err != nil {
			return nil, err
		}
		if found {
			scopes = nil
			for _, sc := range strings.Split(v, ",") {
				if sc = strings.TrimSpace(sc); sc != "" {
					scopes = append(scopes, sc)
				}
			}
		}
	}
	return scopes, nil
}

// iniValue finds key in the last section named section (whitespace
// inside the brackets normalized) of an AWS config file.
func iniValue(path, section, key string) (value string, found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case trimmed[0] == '[':
			end := strings.IndexByte(trimmed, ']')
			if end < 0 {
				in = false
				continue
			}
			in = strings.Join(strings.Fields(trimmed[1:end]), " ") == section
			continue
		case !in || line[0] == ' ' || line[0] == '\t':
			continue // another section, or a nested value
		}
		k, v, ok := strings.Cut(trimmed, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			value, found = strings.TrimSpace(v), true
		}
	}
	return value, found, sc.Err()
}
