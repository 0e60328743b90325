package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/internal/ssologin"
)

// Profile describes a shared config profile, as far as awsfresh needs to
// know it: how credentials come and where its SSO session is cached.
type Profile struct {
	Name   string
	Exists bool // the profile is defined in the shared config or credentials file
	Region string
	// SSOCacheKey is the sso-session name, or the legacy sso_start_url, of
	// the profile or of the profile its role is assumed from; "" when the
	// profile does not use IAM Identity Center.
	SSOCacheKey string
	SSOStartURL string
	// SSO is that IAM Identity Center session, for a sign-in.
	SSO     ssologin.Session
	RoleARN string
	// CredentialProcess is the profile's credential_process, if any.
	CredentialProcess string
	StaticKeys        bool // aws_access_key_id in the files
}

// IsSSO reports whether the profile gets its credentials through IAM
// Identity Center, directly or as the source of an assumed role.
func (p Profile) IsSSO() bool { return p.SSOCacheKey != "" }

// LoadProfile reads a profile from the shared config files. A profile that
// is not defined is not an error: Exists is false.
func LoadProfile(ctx context.Context, name string, opts ...func(*config.LoadOptions) error) (Profile, error) {
	p := Profile{Name: name}
	var configFiles []string
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		configFile, credentialsFile := sharedFiles()
		o.ConfigFiles, o.CredentialsFiles = []string{configFile}, []string{credentialsFile}
		var lo config.LoadOptions
		for _, fn := range opts {
			_ = fn(&lo)
		}
		if lo.SharedConfigFiles != nil {
			o.ConfigFiles = lo.SharedConfigFiles
		}
		if lo.SharedCredentialsFiles != nil {
			o.CredentialsFiles = lo.SharedCredentialsFiles
		}
		configFiles = o.ConfigFiles
	})
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("profile %q: %w", name, err)
	}
	p.Exists = true
	p.Region = sc.Region
	p.RoleARN = sc.RoleARN
	p.CredentialProcess = sc.CredentialProcess
	p.StaticKeys = sc.Credentials.HasKeys()
	// Follow source_profile links to find an SSO session underneath.
	for cur, depth := &sc, 0; cur != nil && depth < 10; cur, depth = cur.Source, depth+1 {
		switch {
		case cur.SSOSession != nil:
			p.SSO = ssologin.Session{Name: cur.SSOSession.Name, StartURL: cur.SSOSession.SSOStartURL, Region: cur.SSOSession.SSORegion}
		case cur.SSOSessionName != "":
			p.SSO = ssologin.Session{Name: cur.SSOSessionName, StartURL: cur.SSOStartURL, Region: cur.SSORegion}
		case cur.SSOStartURL != "":
			p.SSO = ssologin.Session{StartURL: cur.SSOStartURL, Region: cur.SSORegion}
		default:
			continue
		}
		break
	}
	if p.SSO.Name != "" {
		if p.SSO.Scopes, err = ssologin.RegistrationScopes(configFiles, p.SSO.Name); err != nil {
			return p, fmt.Errorf("profile %q: %w", name, err)
		}
	}
	p.SSOCacheKey, p.SSOStartURL = p.SSO.CacheKey(), p.SSO.StartURL
	return p, nil
}

// SSOSession is what the SSO token cache says about a profile's session.
type SSOSession struct {
	CacheFile string
	ExpiresAt time.Time // when the access token expires
	// Refreshable is true when the cache holds a refresh token and a client
	// registration that has not expired, so the SDK can renew the access
	// token without a login.
	Refreshable bool
	// RegistrationExpiresAt is when the client registration, and with it
	// any refresh, ends; zero when unknown.
	RegistrationExpiresAt time.Time
}

// LoadSSOSession reads the profile's SSO token cache file, written by `aws
// sso login` or `awsfresh login`. It returns an error wrapping
// os.ErrNotExist when there is no cached token.
func LoadSSOSession(p Profile) (SSOSession, error) {
	if !p.IsSSO() {
		return SSOSession{}, fmt.Errorf("profile %q does not use IAM Identity Center", p.Name)
	}
	path, err := p.SSO.TokenFile()
	if err != nil {
		return SSOSession{}, err
	}
	tok, err := ssologin.ReadToken(path)
	if err != nil {
		return SSOSession{}, err
	}
	return SSOSession{CacheFile: path, ExpiresAt: tok.ExpiresAt, Refreshable: tok.Refreshable(time.Now()),
		RegistrationExpiresAt: tok.RegistrationExpiresAt}, nil
}

// profileSection matches "[profile NAME]" in the config file and "[NAME]"
// in either file.
var profileSection = regexp.MustCompile(`^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]`)

// ListProfiles returns the names of the profiles defined in the shared
// config and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
// or their defaults), sorted. sso-session and services sections are not
// profiles. Missing files are not an error.
func ListProfiles() ([]string, error) {
	configFile, credentialsFile := sharedFiles()
	files := []struct {
		path   string
		config bool
	}{{configFile, true}, {credentialsFile, false}}
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			m := profileSection.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			head := strings.Fields(strings.Trim(strings.TrimSpace(line), "[]"))
			if f.config && len(head) > 0 && (head[0] == "sso-session" || head[0] == "services") {
				continue
			}
			seen[m[1]] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// sharedFiles are the shared config and credentials files as the SDK's
// LoadDefaultConfig finds them, read now: the SDK's default file list is
// fixed when the program starts.
func sharedFiles() (configFile, credentialsFile string) {
	return cmp.Or(os.Getenv("AWS_CONFIG_FILE"), config.DefaultSharedConfigFilename()),
		cmp.Or(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), config.DefaultSharedCredentialsFilename())
}
