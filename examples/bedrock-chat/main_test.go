package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestChat runs the program against the simulated AWS: one prompt from the
// command line, then a conversation on stdin across an SSO session's end.
func TestChat(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_BEARER_TOKEN_BEDROCK", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWSFRESH_NESTED", "AWSFRESH_TIMEOUT", "AWSFRESH_REFRESH_COMMAND", "AWSFRESH_EXPORT_COMMAND", "CLAUDE_CONFIG_DIR",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWSFRESH_CACHE_DIR", t.TempDir())
	t.Chdir(home)

	sim := simaws.New(simaws.Options{})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	const session, startURL, region = "chat", "https://sim.awsapps.com/start", "us-east-1"
	if err := simaws.WriteSSOProfile(home, "chat", session, startURL, region, sim.AccountID(), "Dev"); err != nil {
		t.Fatal(err)
	}
	// The login command comes from the user's Claude Code settings.
	settings := `{"awsAuthRefresh": ` + jsonString(sim.LoginCommand(home, session, startURL, region)) + `}`
	writeFile(t, filepath.Join(home, ".claude", "settings.json"), settings)

	var stdout, stderr bytes.Buffer
	if code := run([]string{"--profile", "chat", "--model", "test-model", "Hello", "there"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Hello from the simulated Bedrock (test-model). I received 1 message(s).") {
		t.Errorf("stdout: %q", stdout.String())
	}
	if n := sim.Count(simaws.OpSSOLogin); n != 1 {
		t.Errorf("the login command ran %d times, want 1 (no session at first)", n)
	}

	// A conversation; the SSO session and the credentials end between turns.
	stdout.Reset()
	stderr.Reset()
	pr := &slowReader{lines: []string{"first", "second", "third"}, between: func(i int) {
		if i == 1 {
			sim.ExpireSSOTokens()
			sim.RevokeRefreshTokens()
			sim.ExpireCredentials()
		}
	}}
	if code := run([]string{"--profile", "chat", "--model", "test-model"}, pr, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"I received 1 message(s).", "I received 3 message(s).", "I received 5 message(s)."} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q: %s", want, stdout.String())
		}
	}
	if n := sim.Count(simaws.OpSSOLogin); n != 2 {
		t.Errorf("the login command ran %d times in all, want 2", n)
	}
}

// slowReader yields lines one Read at a time, calling between(i) before
// line i.
type slowReader struct {
	lines   []string
	i       int
	between func(i int)
}

func (r *slowReader) Read(b []byte) (int, error) {
	if r.i >= len(r.lines) {
		return 0, io.EOF
	}
	r.between(r.i)
	n := copy(b, r.lines[r.i]+"\n")
	r.i++
	return n, nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
