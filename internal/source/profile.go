package source

import (
	"context"
	"errors"
	"fmt"
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
	// Problem is a mistake in the profile's configuration that keeps it
	// from giving credentials (a missing sso_region, say); nil when none
	// is known.
	Problem *ConfigError
}

// IsSSO reports whether the profile gets its credentials through IAM
// Identity Center, directly or as the source of an assumed role.
func (p Profile) IsSSO() bool { return p.SSOCacheKey != "" }

// LoadProfile reads a profile from the shared config files. A profile that
// is not defined is not an error: Exists is false.
func LoadProfile(ctx context.Context, name string, opts ...func(*config.LoadOptions) error) (Profile, error) {
	p := Profile{Name: name}
	configFiles, credentialsFiles := SharedFiles(opts...)
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = configFiles, credentialsFiles
	})
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		return p, nil
	}
	if err != nil {
		if p.Problem = configLoadError(name, err, configFiles[0]); p.Problem != nil {
			p.Exists = true
			return p, nil
		}
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
		case cur.SSORegion != "" || cur.SSOAccountID != "" || cur.SSORoleName != "":
			// SSO keys without a start URL: the SDK will try IAM Identity
			// Center and fail.
		default:
			continue
		}
		p.Problem = checkSSO(name, cur, configFiles[0])
		break
	}
	p.SSO.ConfigFiles = configFiles // sso_registration_scopes: read by a sign-in
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
