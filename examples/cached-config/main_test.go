package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestCachedConfig runs the program against the simulated AWS: calls
// across a rejection of the cached credentials before their expiry and
// the end of the SSO session, all through the aws.CredentialsCache.
func TestCachedConfig(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWSFRESH_NESTED",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWSFRESH_CACHE_DIR", t.TempDir())

	sim := simaws.New(simaws.Options{})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	const session, startURL, region = "cached", "https://sim.awsapps.com/start", "us-east-1"
	if err := simaws.WriteSSOProfile(home, "dev", session, startURL, region, sim.AccountID(), "Dev"); err != nil {
		t.Fatal(err)
	}

	in := &lines{n: 4, between: func(i int) {
		switch i {
		case 2: // AWS rejects the cached credentials long before their expiry
			sim.ExpireCredentials()
		case 3: // and the SSO session ends with no way to renew it silently
			sim.ExpireCredentials()
			sim.ExpireSSOTokens()
			sim.RevokeRefreshTokens()
		}
	}}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--profile", "dev", "--login", sim.LoginCommand(home, session, startURL, region)}, in, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "arn:aws:sts::"); n != 4 {
		t.Errorf("%d of 4 calls printed an ARN:\n%s\n%s", n, stdout.String(), stderr.String())
	}
	// One login at the start (no session yet), one when the session ended.
	if n := sim.Count(simaws.OpSSOLogin); n != 2 {
		t.Errorf("the login command ran %d times, want 2", n)
	}
	if n := sim.Count(simaws.OpGetCallerIdentity); n != 6 {
		t.Errorf("%d GetCallerIdentity requests, want 6 (4 calls, 2 retried after a rejection)", n)
	}
}

// lines yields n lines one Read at a time, calling between(i) before line
// i: the program has finished the call of line i-1 by then.
type lines struct {
	n, i    int
	between func(i int)
}

func (r *lines) Read(b []byte) (int, error) {
	if r.i >= r.n {
		return 0, io.EOF
	}
	r.between(r.i)
	r.i++
	return copy(b, "call\n"), nil
}
