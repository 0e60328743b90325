//go:build unix

package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

func TestSettingsPrecedenceAndEnv(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	out := filepath.Join(s.home, "seen")
	// User settings: a login command and two env keys; a --settings file
	// overrides the command and one key.
	s.userSettings(t, map[string]any{
		"awsAuthRefresh": "echo user-login >> " + out,
		"env":            map[string]any{"FROM_USER": "u", "SHARED": "user"},
	})
	s.write(".aws/config", "[profile p1]\nregion = us-east-1\n", 0o600)
	extra := s.write("extra.json", `{"awsAuthRefresh": "echo \"flag-login $FROM_USER $SHARED $AWS_PROFILE $AWSFRESH_NESTED\" >> `+out+`", "env": {"SHARED": "flag"}}`, 0o644)
	r := s.run("refresh", "--force", "--settings", extra, "--profile", "p1")
	data, _ := os.ReadFile(out)
	if got := strings.TrimSpace(string(data)); got != "flag-login u flag p1 1" {
		t.Errorf("login command saw %q, want the --settings command with merged env\n%s", got, r)
	}
}

func TestMalformedSettingsNamesLineAndColumn(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	p := s.write(".claude/settings.json", "{\n  \"awsAuthRefresh\": \"x\",\n  \"env\": {,}\n}\n", 0o644)
	r := s.run("refresh")
	if r.code != 2 || !strings.HasPrefix(r.firstLine(), "Error: settings: "+p+":3:11: ") {
		t.Errorf("want exit 2 naming %s:3:11:\n%s", p, r)
	}
}

func TestUntrustedProjectCommand(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	marker := filepath.Join(s.home, "ran")
	project := s.write("work/.claude/settings.json", `{"awsAuthRefresh": "touch `+marker+`"}`, 0o644)
	r := s.run("refresh", "--force")
	if r.code != 2 || !strings.Contains(r.stderr, project) || !strings.Contains(r.stderr, "awsfresh trust "+project) {
		t.Errorf("want exit 2 naming the file and the trust command:\n%s", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("an untrusted project command ran")
	}
	if tr := s.run("trust", project); tr.code != 0 {
		t.Fatalf("trust failed:\n%s", tr)
	}
	// The command runs (it fixes nothing, so refresh still fails with 1).
	if r := s.run("refresh", "--force"); r.code == 2 {
		t.Errorf("trusted command refused:\n%s", r)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the trusted project command did not run")
	}
	// Any change to the file needs trust again.
	s.write("work/.claude/settings.json", `{"awsAuthRefresh": "touch `+marker+`; echo changed"}`, 0o644)
	if r := s.run("refresh", "--force"); r.code != 2 {
		t.Errorf("a changed project file was still trusted:\n%s", r)
	}
}

func TestSelfInvocationGuard(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(".aws/config", "[profile dev]\nregion = us-east-1\n", 0o600)
	// The usual set-up: awsfresh itself is Claude Code's awsAuthRefresh.
	s.userSettings(t, map[string]any{"awsAuthRefresh": "awsfresh refresh --profile dev"})
	r := s.run("refresh", "--profile", "dev")
	if r.code != 2 || !strings.Contains(r.firstLine(), "no login command configured") {
		t.Errorf("want the self-invocation skipped and a configuration error:\n%s", r)
	}
	st := s.run("status", "--profile", "dev")
	if !strings.Contains(st.stdout, "Skipped:      awsfresh refresh --profile dev") {
		t.Errorf("status does not show the skipped self-invocation:\n%s", st)
	}

	// A login command that hides awsfresh in a script: the nested awsfresh
	// sees the marker and refuses instead of recursing.
	script := s.write("login.sh", "#!/bin/sh\nexec "+awsfreshBin+" refresh --force --command 'echo recursed'\n", 0o755)
	r = s.run("refresh", "--force", "--command", script)
	if r.code != 1 || !strings.Contains(r.stderr, "refusing to run the login command again") || strings.Contains(r.stderr, "\nrecursed") {
		t.Errorf("nested refresh was not refused:\n%s", r)
	}
}

// TestProcessCredsConsumesExport: the AWS SDK for Go v2's own
// credential_process provider reads what `awsfresh export` prints.
func TestProcessCredsConsumesExport(t *testing.T) {
	s := newSandbox(t)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	export := `printf '{"Credentials":{"AccessKeyId":"ASIAPROCESSTEST00001","SecretAccessKey":"procsecret","SessionToken":"proctoken","Expiration":"` + exp.Format(time.RFC3339) + `"}}'`
	cfgPath := s.write(".aws/config", "[profile viaproc]\ncredential_process = "+awsfreshBin+" export --command \""+strings.ReplaceAll(export, `"`, `\"`)+"\"\n", 0o600)
	// credential_process runs with our environment: give it the sandbox's.
	for k, v := range s.env {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile("viaproc"), config.WithSharedConfigFiles([]string{cfgPath}))
	if err != nil {
		t.Fatal(err)
	}
	v, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("processcreds could not use awsfresh export: %v", err)
	}
	if v.AccessKeyID != "ASIAPROCESSTEST00001" || v.SecretAccessKey != "procsecret" || v.SessionToken != "proctoken" || !v.CanExpire || !v.Expires.Equal(exp) {
		t.Errorf("processcreds got %+v", v)
	}
}

// TestClaudeFormatMintsSessionToken: long-term keys are exchanged for
// temporary ones, because Claude Code refuses output without a token.
func TestClaudeFormatMintsSessionToken(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	id, secret := s.sim.CreateUser("bob")
	s.write(".aws/credentials", "[longterm]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n", 0o600)
	c := parseExport(t, s.run("export", "--profile", "longterm", "--format", "claude"))
	if !c.Temporary() || c.AccessKeyID == id || !c.HasExpiration() {
		t.Errorf("claude format did not get temporary credentials: %v", c)
	}
	s.acceptedBySTS(t, c)
	if s.sim.Count("GetSessionToken") != 1 {
		t.Errorf("GetSessionToken called %d times", s.sim.Count("GetSessionToken"))
	}
	// process format keeps the long-term keys.
	if p := parseExport(t, s.run("export", "--profile", "longterm")); p.AccessKeyID != id {
		t.Errorf("process format changed the keys")
	}
}

// TestUntrustedProjectEnv: a project's env that decides what code runs
// (PATH here) needs trust like a command, even for the user's own login
// command; harmless keys do not.
func TestUntrustedProjectEnv(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	marker := filepath.Join(s.home, "ran")
	s.userSettings(t, map[string]any{"awsAuthRefresh": "touch " + marker})
	s.write("work/.claude/settings.json", `{"env": {"CLAUDE_CODE_USE_BEDROCK": "1"}}`, 0o644)
	if r := s.run("refresh", "--force"); r.code == 2 {
		t.Fatalf("a harmless project env key needed trust:\n%s", r)
	}
	project := s.write("work/.claude/settings.json", `{"env": {"PATH": "/tmp/evil:/usr/bin:/bin"}}`, 0o644)
	os.Remove(marker)
	r := s.run("refresh", "--force")
	if r.code != 2 || !strings.Contains(r.stderr, "the env setting PATH in "+project) || !strings.Contains(r.stderr, "awsfresh trust") {
		t.Errorf("want exit 2 naming the env setting and the file:\n%s", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the login command ran under an untrusted project PATH")
	}
	if tr := s.run("trust", project); tr.code != 0 {
		t.Fatalf("trust: %s", tr)
	}
	if r := s.run("refresh", "--force"); r.code == 2 {
		t.Errorf("trusted project env still refused:\n%s", r)
	}
}
