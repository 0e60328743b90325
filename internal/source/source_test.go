package source_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
)

const fakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET"

// world is a hermetic user (HOME, AWS files, no AWS variables from the
// real environment) and, when started, a simulated AWS on loopback.
type world struct {
	home string
	sim  *simaws.Server
}

func newWorld(t *testing.T, withSim bool) *world {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w := &world{home: home}
	if withSim {
		w.sim = simaws.New(simaws.Options{Logf: func(string, ...any) {}})
		if err := w.sim.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.sim.Close() })
		for _, kv := range w.sim.Env() {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
	}
	return w
}

func (w *world) write(t *testing.T, rel, content string) {
	t.Helper()
	p := filepath.Join(w.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// staticKeys writes profile "static" with a simulated user's long-term keys.
func (w *world) staticKeys(t *testing.T) (id string) {
	t.Helper()
	id, secret := w.sim.CreateUser("alice")
	w.write(t, ".aws/credentials", "[static]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n")
	w.write(t, ".aws/config", "[profile static]\nregion = eu-west-1\n")
	return id
}

func TestCommand(t *testing.T) {
	newWorld(t, false)
	secretEnv := []string{"FAKE=" + fakeSecret, "PATH=" + os.Getenv("PATH")}
	const json = `{"Version":1,"AccessKeyId":"ASIAEXPORTTEST000001","SecretAccessKey":"s3cr3t-value","SessionToken":"tok","Expiration":"2099-01-01T00:00:00Z"}`
	for _, tt := range []struct {
		name    string
		command string
		env     []string
		timeout time.Duration
		wantKey string
		check   func(t *testing.T, err error)
	}{
		{name: "prints credentials", command: "printf '%s' '" + json + "'", wantKey: "ASIAEXPORTTEST000001"},
		{name: "sees its environment", command: `printf '{"AccessKeyId":"%s","SecretAccessKey":"x"}' "$KEY_FROM_ENV"`,
			env: []string{"KEY_FROM_ENV=AKIAFROMENVIRONMENT1", "PATH=" + os.Getenv("PATH")}, wantKey: "AKIAFROMENVIRONMENT1"},
		{name: "exits non-zero", command: `echo "aws_secret_access_key=$FAKE" >&2; echo 'login expired' >&2; exit 3`, env: secretEnv,
			check: func(t *testing.T, err error) {
				var ce *source.CommandError
				var exit *runcmd.ExitError
				if !errors.As(err, &ce) || !errors.As(err, &exit) || exit.Code != 3 {
					t.Fatalf("want a CommandError with exit status 3, got %v", err)
				}
				if !strings.Contains(ce.StderrTail, "login expired") || strings.Contains(ce.StderrTail, fakeSecret) {
					t.Errorf("stderr tail %q: want the output, redacted", ce.StderrTail)
				}
			}},
		{name: "prints garbage with a secret", command: `echo "SecretAccessKey: $FAKE"`, env: secretEnv,
			check: func(t *testing.T, err error) {
				var pe *creds.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("want a ParseError, got %v", err)
				}
			}},
		{name: "hangs past its deadline", command: "sleep 30", timeout: 200 * time.Millisecond,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, runcmd.ErrTimeout) {
					t.Fatalf("want a timeout, got %v", err)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &source.Command{Command: tt.command, Env: tt.env, Timeout: tt.timeout, RegionName: "eu-north-1"}
			if c.Timeout == 0 {
				c.Timeout = time.Minute
			}
			got, err := c.Retrieve(context.Background())
			if tt.check == nil {
				if err != nil || got.AccessKeyID != tt.wantKey {
					t.Fatalf("Retrieve = %v, %v; want key %s", got.MaskedKeyID(), err, tt.wantKey)
				}
				return
			}
			if err == nil {
				t.Fatal("Retrieve succeeded")
			}
			if !errors.Is(err, source.ErrExportFailed) {
				t.Errorf("errors.Is(err, ErrExportFailed) is false for %v", err)
			}
			if strings.Contains(err.Error(), fakeSecret) || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error holds a secret: %v", err)
			}
			tt.check(t, err)
		})
	}

	c := &source.Command{Command: "x --flag", RegionName: "eu-north-1"}
	if c.Key() != "command:x --flag" || c.Region() != "eu-north-1" || !strings.Contains(c.Describe(), "x --flag") {
		t.Errorf("Key %q, Region %q, Describe %q", c.Key(), c.Region(), c.Describe())
	}
}

func TestSDKChain(t *testing.T) {
	t.Run("static keys of a profile", func(t *testing.T) {
		w := newWorld(t, true)
		id := w.staticKeys(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIASHADOWINGENVVAR1") // the profile is selected explicitly
		t.Setenv("AWS_SECRET_ACCESS_KEY", "shadow")
		s := &source.SDKChain{Profile: "static"}
		c, err := s.Retrieve(context.Background())
		if err != nil || c.AccessKeyID != id || c.Temporary() || c.HasExpiration() {
			t.Fatalf("Retrieve = %s (temporary %v), %v; want the profile's long-term keys", c.MaskedKeyID(), c.Temporary(), err)
		}
		if s.Region() != "eu-west-1" || s.Key() != "sdk:static" || !strings.Contains(s.Describe(), `"static"`) {
			t.Errorf("Region %q, Key %q, Describe %q", s.Region(), s.Key(), s.Describe())
		}
	})
	t.Run("role credentials from an SSO session", func(t *testing.T) {
		w := newWorld(t, true)
		if err := simaws.WriteSSOProfile(w.home, "dev", "corp", "https://corp.awsapps.com/start", "us-east-1", w.sim.AccountID(), "Dev"); err != nil {
			t.Fatal(err)
		}
		if _, err := simaws.WriteSSOCache(w.home, "corp", "https://corp.awsapps.com/start", "us-east-1", w.sim.IssueSSOToken()); err != nil {
			t.Fatal(err)
		}
		s := &source.SDKChain{Profile: "dev"}
		for range 2 {
			c, err := s.Retrieve(context.Background())
			if err != nil || !c.Temporary() || !c.HasExpiration() || c.IssuedAt.IsZero() {
				t.Fatalf("Retrieve = %s, %v; want temporary credentials with expiry and issue time", c.MaskedKeyID(), err)
			}
		}
		// Loaded afresh each time: no SDK cache in between.
		if n := w.sim.Count(simaws.OpGetRoleCredentials); n != 2 {
			t.Errorf("GetRoleCredentials called %d times for 2 retrievals", n)
		}
	})
	t.Run("a profile that does not exist", func(t *testing.T) {
		newWorld(t, false)
		_, err := (&source.SDKChain{Profile: "nosuch"}).Retrieve(context.Background())
		var notExist config.SharedConfigProfileNotExistError
		if !errors.As(err, &notExist) || !strings.Contains(err.Error(), `profile "nosuch"`) {
			t.Errorf("want the SDK's profile-not-exist error naming the profile, got %v", err)
		}
	})
	t.Run("an AWS endpoint that never answers", func(t *testing.T) {
		w := newWorld(t, false)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() }) // accepted, never answered
			}
		}()
		t.Setenv("AWS_ENDPOINT_URL_SSO", "http://"+ln.Addr().String())
		if err := simaws.WriteSSOProfile(w.home, "dev", "corp", "https://corp.awsapps.com/start", "us-east-1", "111122223333", "Dev"); err != nil {
			t.Fatal(err)
		}
		tok := simaws.SSOToken{AccessToken: "token", ExpiresAt: time.Now().Add(time.Hour)}
		if _, err := simaws.WriteSSOCache(w.home, "corp", "https://corp.awsapps.com/start", "us-east-1", tok); err != nil {
			t.Fatal(err)
		}
		_, err = (&source.SDKChain{Profile: "dev", Timeout: 300 * time.Millisecond}).Retrieve(context.Background())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("want the retrieval cut off at its timeout, got %v", err)
		}
	})
}

func TestSessionToken(t *testing.T) {
	w := newWorld(t, true)
	w.staticKeys(t)
	long := &source.SDKChain{Profile: "static"}

	minted, err := (&source.SessionToken{Base: long, Duration: time.Hour}).Retrieve(context.Background())
	if err != nil || !minted.Temporary() || minted.SessionToken == "" || !minted.HasExpiration() {
		t.Fatalf("long-term keys: want temporary credentials from STS, got %s, %v", minted.MaskedKeyID(), err)
	}
	if left := time.Until(minted.Expiration); left > time.Hour+time.Minute || left < 50*time.Minute {
		t.Errorf("asked for 1h, got credentials that expire in %s", left)
	}

	// Temporary credentials pass through without a call to STS.
	calls := w.sim.Count(simaws.OpGetSessionToken)
	temp := &source.Command{Command: `printf '{"AccessKeyId":"ASIATEMPORARY0000001","SecretAccessKey":"s","SessionToken":"t"}'`, Timeout: time.Minute}
	c, err := (&source.SessionToken{Base: temp}).Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "ASIATEMPORARY0000001" || w.sim.Count(simaws.OpGetSessionToken) != calls {
		t.Errorf("temporary credentials: got %s, %v (GetSessionToken calls %d -> %d)", c.MaskedKeyID(), err, calls, w.sim.Count(simaws.OpGetSessionToken))
	}

	w.sim.Deny(simaws.OpGetSessionToken, "*")
	_, err = (&source.SessionToken{Base: long}).Retrieve(context.Background())
	if !errors.Is(err, source.ErrCannotMint) {
		t.Errorf("STS refuses: want ErrCannotMint, got %v", err)
	}
	s := &source.SessionToken{Base: long}
	if s.Key() != "session:sdk:static" || !strings.Contains(s.Describe(), "GetSessionToken") {
		t.Errorf("Key %q, Describe %q", s.Key(), s.Describe())
	}
}

func TestLoadProfile(t *testing.T) {
	for _, tt := range []struct {
		name, config, credentials, profile string
		want                               source.Profile
	}{
		{name: "sso-session", profile: "dev",
			config: "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n" +
				"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
			want: source.Profile{Name: "dev", Exists: true, Region: "eu-west-1", SSOCacheKey: "corp", SSOStartURL: "https://corp.awsapps.com/start"}},
		{name: "legacy SSO start URL", profile: "old",
			config: "[profile old]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Dev\n",
			want:   source.Profile{Name: "old", Exists: true, SSOCacheKey: "https://old.awsapps.com/start", SSOStartURL: "https://old.awsapps.com/start"}},
		{name: "role assumed from an SSO profile", profile: "admin",
			config: "[profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = dev\n" +
				"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n" +
				"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
			want: source.Profile{Name: "admin", Exists: true, RoleARN: "arn:aws:iam::111122223333:role/Admin", SSOCacheKey: "corp", SSOStartURL: "https://corp.awsapps.com/start"}},
		{name: "credential_process", profile: "proc",
			config: "[profile proc]\ncredential_process = awsfresh export --profile dev\n",
			want:   source.Profile{Name: "proc", Exists: true, CredentialProcess: "awsfresh export --profile dev"}},
		{name: "static keys in the credentials file", profile: "static",
			credentials: "[static]\naws_access_key_id = AKIASTATICKEYS000001\naws_secret_access_key = " + fakeSecret + "\n",
			want:        source.Profile{Name: "static", Exists: true, StaticKeys: true}},
		{name: "not defined", profile: "nosuch", config: "[profile dev]\nregion = us-east-1\n",
			want: source.Profile{Name: "nosuch"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, false)
			w.write(t, ".aws/config", tt.config)
			w.write(t, ".aws/credentials", tt.credentials)
			got, err := source.LoadProfile(context.Background(), tt.profile)
			if got.SSO.CacheKey() != tt.want.SSOCacheKey {
				t.Errorf("SSO session %+v, want cache key %q", got.SSO, tt.want.SSOCacheKey)
			}
			got.SSO = ssologin.Session{} // its own tests are in ssologin
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadProfile(%q) =\n  %+v, %v\nwant\n  %+v", tt.profile, got, err, tt.want)
			}
			if got.IsSSO() != (tt.want.SSOCacheKey != "") {
				t.Errorf("IsSSO() = %v", got.IsSSO())
			}
		})
	}
}

func TestLoadSSOSession(t *testing.T) {
	w := newWorld(t, true)
	p := source.Profile{Name: "dev", Exists: true, SSOCacheKey: "corp", SSOStartURL: "https://corp.awsapps.com/start",
		SSO: ssologin.Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "us-east-1"}}

	if _, err := source.LoadSSOSession(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no cached token: want os.ErrNotExist, got %v", err)
	}
	tok := w.sim.IssueSSOToken()
	path, err := simaws.WriteSSOCache(w.home, "corp", p.SSOStartURL, "us-east-1", tok)
	if err != nil {
		t.Fatal(err)
	}
	s, err := source.LoadSSOSession(p)
	if err != nil || s.CacheFile != path || !s.ExpiresAt.Equal(tok.ExpiresAt.Truncate(time.Second)) || !s.Refreshable ||
		!s.RegistrationExpiresAt.Equal(tok.RegistrationExpiresAt) {
		t.Errorf("LoadSSOSession = %+v, %v; want the cache file %s, expiry %s, refreshable", s, err, path, tok.ExpiresAt)
	}

	if err := os.WriteFile(path, []byte(`{"accessToken": "`+fakeSecret+`", "expiresAt": `), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := source.LoadSSOSession(p); err == nil || strings.Contains(err.Error(), fakeSecret) {
		t.Errorf("corrupt cache: want an error without its content, got %v", err)
	}
	if _, err := source.LoadSSOSession(source.Profile{Name: "static"}); err == nil {
		t.Error("a profile without SSO has no session, but got no error")
	}
}

func TestListProfiles(t *testing.T) {
	w := newWorld(t, false)
	if got, err := source.ProfileNames(); err != nil || len(got) != 0 {
		t.Errorf("no files: ProfileNames = %v, %v", got, err)
	}
	w.write(t, ".aws/config", "[default]\nregion = us-east-1\n[profile dev]\nregion = x\n  [ profile  spaced ]\n"+
		"[sso-session corp]\nsso_region = us-east-1\n[services local]\nsts =\n  endpoint_url = http://localhost\n# [profile commented]\n")
	w.write(t, ".aws/credentials", "[static]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\n")
	got, err := source.ProfileNames()
	if want := []string{"default", "dev", "spaced", "static"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ProfileNames = %v, %v; want %v", got, err, want)
	}
}
