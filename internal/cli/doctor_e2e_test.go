//go:build unix

package cli_test

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/doctor"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// doctorCheck is one check of `doctor --json`.
type doctorCheck struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

type doctorReport struct {
	Profile     string        `json:"profile"`
	ProfileFrom string        `json:"profileFrom"`
	Region      string        `json:"region"`
	Checks      []doctorCheck `json:"checks"`
}

// doctorJSON runs `doctor --json` and returns the checks by id.
func (s *sandbox) doctorJSON(t *testing.T, args ...string) (result, map[string]doctorCheck) {
	t.Helper()
	r := s.run(append([]string{"doctor", "--json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json printed no report (%v):\n%s", err, r)
	}
	checks := map[string]doctorCheck{}
	for _, c := range rep.Checks {
		checks[c.ID] = c
	}
	return r, checks
}

// wantCheck fails unless check id has the status and its message and fix
// contain the given parts.
func wantCheck(t *testing.T, r result, checks map[string]doctorCheck, id, status string, msgParts, fixParts []string) {
	t.Helper()
	c, ok := checks[id]
	if !ok {
		t.Fatalf("no check %s:\n%s", id, r)
	}
	if c.Status != status {
		t.Errorf("%s: status %s, want %s (%s)\n%s", id, c.Status, status, c.Message, r)
	}
	for _, p := range msgParts {
		if !strings.Contains(c.Message, p) {
			t.Errorf("%s: message %q lacks %q", id, c.Message, p)
		}
	}
	for _, p := range fixParts {
		if !strings.Contains(c.Fix, p) {
			t.Errorf("%s: fix %q lacks %q", id, c.Fix, p)
		}
	}
}

// staticProfile writes profile name with long-term keys of a new simulated
// user (and region, when not ""), and returns the keys.
func (s *simSandbox) staticProfile(t *testing.T, name, region string) (key, secret string) {
	t.Helper()
	key, secret = s.sim.CreateUser("user-" + name)
	s.write(".aws/credentials", fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, key, secret), 0o600)
	cfg := "[profile " + name + "]\n"
	if region != "" {
		cfg += "region = " + region + "\n"
	}
	s.write(".aws/config", cfg, 0o600)
	return key, secret
}

// binDir holds the awsfresh binary under test, for a PATH that finds it.
func binDir() string { return filepath.Dir(awsfreshBin) }

// claudeSettings are settings that make Claude Code use Bedrock through
// awsfresh for profile dev.
func claudeSettings(extraEnv map[string]any) map[string]any {
	env := map[string]any{"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}
	for k, v := range extraEnv {
		env[k] = v
	}
	return map[string]any{
		"awsAuthRefresh":      "awsfresh refresh --profile dev",
		"awsCredentialExport": "awsfresh export --profile dev --format claude",
		"env":                 env,
	}
}

func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	key, secret := s.staticProfile(t, "dev", "us-east-1")
	s.userSettings(t, claudeSettings(nil))
	s.env["PATH"] = binDir() + ":" + s.env["PATH"] // Claude Code finds awsfresh

	// No --profile: the profile of Claude Code's awsfresh commands.
	r, checks := s.doctorJSON(t)
	if r.code != 0 {
		t.Fatalf("a healthy set-up is not exit 0:\n%s", r)
	}
	for id, c := range checks {
		if c.Status == "problem" || c.Status == "warning" {
			t.Errorf("%s: %s %s (fix: %s)", id, c.Status, c.Message, c.Fix)
		}
	}
	wantCheck(t, r, checks, doctor.IDVerify, "ok", []string{"arn:aws:iam::" + s.sim.AccountID() + ":user/user-dev", "AKIA…"}, nil)
	wantCheck(t, r, checks, doctor.IDBedrockModel, "ok", []string{"InvokeModel"}, nil)
	wantCheck(t, r, checks, doctor.IDShadowAWSProfile, "ok", nil, nil)
	if n := s.sim.Count(simaws.OpInvokeModel); n != 1 {
		t.Errorf("InvokeModel requests: %d, want 1", n)
	}
	assertNoSecret(t, r, secret, key)
	// It changed nothing: no awsfresh cache, no settings written.
	if _, err := os.Stat(filepath.Join(s.home, ".cache", "awsfresh")); err == nil {
		t.Error("the doctor wrote awsfresh's cache")
	}

	// The human form: one line a check, a count at the end.
	h := s.run("doctor")
	if h.code != 0 || !strings.Contains(h.stdout, `Profile "dev" (from --profile of awsCredentialExport in`) ||
		!regexp.MustCompile(`(?m)^ok +credentials\.verify +valid: `).MatchString(h.stdout) || !strings.Contains(h.stdout, " ok") {
		t.Errorf("human report:\n%s", h)
	}

	// --offline sends nothing signed.
	s.sim.ResetCounts()
	r, checks = s.doctorJSON(t, "--offline")
	wantCheck(t, r, checks, doctor.IDVerify, "skipped", []string{"--offline"}, nil)
	wantCheck(t, r, checks, doctor.IDBedrockModel, "skipped", []string{"--offline"}, nil)
	if n := s.sim.Count(simaws.OpGetCallerIdentity) + s.sim.Count(simaws.OpInvokeModel); n != 0 || r.code != 0 {
		t.Errorf("--offline made %d signed requests (exit %d): %v", n, r.code, s.sim.Counts())
	}

	for _, args := range [][]string{{"doctor", "--nope"}, {"doctor", "extra"}} {
		if u := s.run(args...); u.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, u.code, u)
		}
	}
}

// TestDoctorJSONIDs: --json prints every documented check once, in the
// documented order, each with a status and a message, and a fix for every
// warning and problem.
func TestDoctorJSONIDs(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	help := s.run("doctor", "--help")
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z]+\.[a-z-]+)  +\S`).FindAllStringSubmatch(help.stdout, -1) {
		documented = append(documented, m[1])
	}
	if !slices.Equal(documented, doctor.IDs()) {
		t.Errorf("help documents %v\nthe doctor has %v", documented, doctor.IDs())
	}
	r := s.run("doctor", "--json", "--profile", "nowhere")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	var ids []string
	for _, c := range rep.Checks {
		ids = append(ids, c.ID)
		if !slices.Contains([]string{"ok", "warning", "problem", "skipped"}, c.Status) || c.Message == "" {
			t.Errorf("check %+v", c)
		}
		if (c.Status == "warning" || c.Status == "problem") != (c.Fix != "") {
			t.Errorf("check %s: status %s with fix %q", c.ID, c.Status, c.Fix)
		}
	}
	if !slices.Equal(ids, documented) {
		t.Errorf("--json ids %v\nwant the documented %v", ids, documented)
	}
	if rep.Profile != "nowhere" || r.code != 1 {
		t.Errorf("profile %q exit %d", rep.Profile, r.code)
	}
}

func TestDoctorMissingProfile(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	r, checks := s.doctorJSON(t, "--profile", "devv")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDProfileExists, "problem",
		[]string{`profile "devv" is not in`, `did you mean "dev"?`, "profiles: dev"},
		[]string{"awsfresh doctor --profile dev", "aws configure sso --profile devv"})
	wantCheck(t, r, checks, doctor.IDCredentials, "skipped", nil, nil)
	if h := s.run("doctor", "--profile", "devv"); h.code != 1 || !strings.Contains(h.stdout, "fix: awsfresh doctor --profile dev") {
		t.Errorf("human report lacks the fix:\n%s", h)
	}
}

func TestDoctorNoRegion(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "")
	delete(s.env, "AWS_REGION")
	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDProfileRegion, "problem", []string{"no region"}, []string{"aws configure set region REGION --profile dev"})
	wantCheck(t, r, checks, doctor.IDBedrockEndpoint, "skipped", []string{"no region"}, nil)

	// With Claude Code's settings, its own check says so too.
	s.userSettings(t, map[string]any{"env": map[string]any{"CLAUDE_CODE_USE_BEDROCK": "1"}})
	r, checks = s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, doctor.IDClaudeRegion, "problem", []string{"AWS_REGION"}, []string{"awsfresh setup claude --profile dev --region REGION"})
}

func TestDoctorExpiredSSOWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	tok := s.sim.IssueSSOToken()
	s.sim.ExpireSSOTokens()
	tok.ExpiresAt = time.Now().Add(-2 * time.Hour)
	tok.RefreshToken = ""
	if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, tok); err != nil {
		t.Fatal(err)
	}
	// A login command is configured: the doctor must not run it.
	s.userSettings(t, map[string]any{"awsAuthRefresh": s.loginCommand()})

	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDSSOSession, "problem", []string{"ended 2 hours ago", "no refresh token"}, []string{"awsfresh refresh --profile dev"})
	wantCheck(t, r, checks, doctor.IDCredentials, "problem", []string{"without a login"}, []string{"awsfresh refresh --profile dev"})
	wantCheck(t, r, checks, doctor.IDVerify, "skipped", nil, nil)
	wantCheck(t, r, checks, doctor.IDProfileKind, "ok", []string{`sso-session "corp"`}, nil)
	if n := s.sim.Count(simaws.OpSSOLogin); n != 0 {
		t.Errorf("the doctor ran the login command (%d logins)", n)
	}
	assertNoSecret(t, r, tok.AccessToken, tok.ClientSecret)

	// After a login the same checks pass.
	if lr := s.run("refresh", "--profile", "dev"); lr.code != 0 {
		t.Fatalf("refresh:\n%s", lr)
	}
	r, checks = s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, doctor.IDSSOSession, "ok", []string{"renewable with its refresh token"}, nil)
	wantCheck(t, r, checks, doctor.IDCredentials, "ok", []string{"temporary credentials ASIA…"}, nil)
	wantCheck(t, r, checks, doctor.IDVerify, "ok", []string{"assumed-role/AWSReservedSSO_Developer"}, nil)
}

func TestDoctorClockSkew(t *testing.T) {
	t.Parallel()
	// AWS's clock, as its Date header says, is 10 minutes ahead.
	s := newSimSandbox(t, simaws.Options{DateHeaderFromClock: true})
	s.sim.SetClockSkew(10 * time.Minute)
	s.staticProfile(t, "dev", "us-east-1")
	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDClock, "problem", []string{"10 minutes behind AWS"}, []string{"timedatectl set-ntp true"})

	// Where STS refuses the time outright (no Date to learn from).
	s2 := newSimSandbox(t, simaws.Options{})
	s2.sim.SetClockSkew(-20 * time.Minute)
	s2.staticProfile(t, "dev", "us-east-1")
	r, checks = s2.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDClock, "problem", []string{"refused the request's time"}, []string{"timedatectl"})
	wantCheck(t, r, checks, doctor.IDVerify, "problem", []string{"refused the request's time"}, nil)
}

func TestDoctorAccessDeniedModel(t *testing.T) {
	t.Parallel()
	const model = "us.anthropic.claude-opus-4-1-20250805-v1:0"
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	s.userSettings(t, claudeSettings(map[string]any{"ANTHROPIC_MODEL": model}))
	s.sim.DenyModel(model)
	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDBedrockModel, "problem",
		[]string{"not allowed to invoke " + model + " (ANTHROPIC_MODEL) in us-east-1", "don't have access to the model"},
		[]string{"bedrock:InvokeModel", "aws bedrock list-inference-profiles --region us-east-1"})
	wantCheck(t, r, checks, doctor.IDVerify, "ok", nil, nil)

	// Without Claude Code on Bedrock it is only a warning.
	s.userSettings(t, map[string]any{"env": map[string]any{"ANTHROPIC_MODEL": model, "AWS_REGION": "us-east-1"}})
	r, checks = s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, doctor.IDBedrockModel, "warning", []string{"not allowed"}, nil)
}

func TestDoctorUntrustedProjectCommand(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	marker := s.home + "/ran"
	project := s.write("work/.claude/settings.json", `{"awsCredentialExport": "touch `+marker+`; false"}`, 0o644)
	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDClaudeTrust, "problem", []string{"awsCredentialExport command in " + project, "not trusted yet"}, []string{"awsfresh trust " + project})
	wantCheck(t, r, checks, doctor.IDCredentials, "skipped", []string{"not trusted"}, nil)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the doctor ran an untrusted project command")
	}
	if tr := s.run("trust", project); tr.code != 0 {
		t.Fatal(tr)
	}
	r, checks = s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, doctor.IDClaudeTrust, "ok", nil, nil)
	wantCheck(t, r, checks, doctor.IDCredentials, "problem", []string{"export command"}, nil)
}

func TestDoctorShadowingStaticKeys(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	key, secret := s.sim.CreateUser("someone-else")
	s.env["AWS_ACCESS_KEY_ID"], s.env["AWS_SECRET_ACCESS_KEY"] = key, secret
	r, checks := s.doctorJSON(t, "--profile", "dev")
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
	wantCheck(t, r, checks, doctor.IDShadowEnvKeys, "problem", []string{"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY set in this environment"},
		[]string{"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY"})
	// The profile's own keys are what awsfresh verifies, not the shadowing ones.
	wantCheck(t, r, checks, doctor.IDVerify, "ok", []string{"user/user-dev"}, nil)
	h := s.run("doctor", "--profile", "dev")
	assertNoSecret(t, r, key, secret)
	assertNoSecret(t, h, key, secret)

	// In Claude Code's env they make Claude Code skip the export command.
	delete(s.env, "AWS_ACCESS_KEY_ID")
	delete(s.env, "AWS_SECRET_ACCESS_KEY")
	s.userSettings(t, claudeSettings(map[string]any{"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}))
	r, checks = s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, doctor.IDClaudeStaticKeys, "problem", []string{"env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY in ", "never runs awsCredentialExport"},
		[]string{"remove env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY from"})
	assertNoSecret(t, r, key, secret)
}

// silentEndpoint accepts connections and never answers: AWS unreachable
// the slow way (a firewall that drops, a proxy that hangs).
func silentEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

func TestDoctorAWSUnreachableIsBounded(t *testing.T) {
	t.Parallel()
	bound := doctor.DefaultDeadlines().Bound()
	const slack = 15 * time.Second // a busy machine; the point is "seconds, not minutes"
	silent := silentEndpoint(t)
	point := func(s *sandbox) {
		for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"} {
			s.env[k] = silent
		}
	}
	t.Run("sso", func(t *testing.T) {
		t.Parallel()
		s := newSimSandbox(t, simaws.Options{})
		if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
			t.Fatal(err)
		}
		if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, s.sim.IssueSSOToken()); err != nil {
			t.Fatal(err)
		}
		point(s.sandbox)
		r, checks := s.doctorJSON(t, "--profile", "dev")
		if r.elapsed > bound+slack {
			t.Errorf("the doctor took %s with AWS silent; its bound is %s", r.elapsed, bound)
		}
		if r.code != 1 {
			t.Errorf("exit %d, want 1\n%s", r.code, r)
		}
		wantCheck(t, r, checks, doctor.IDCredentials, "problem", []string{"within 8 seconds"}, []string{"network"})
		wantCheck(t, r, checks, doctor.IDBedrockEndpoint, "warning", []string{"did not answer within 3 seconds"}, []string{"proxy"})
	})
	t.Run("static keys", func(t *testing.T) {
		t.Parallel()
		s := newSimSandbox(t, simaws.Options{})
		s.staticProfile(t, "dev", "us-east-1")
		s.userSettings(t, claudeSettings(nil))
		point(s.sandbox)
		r, checks := s.doctorJSON(t, "--profile", "dev")
		if r.elapsed > bound+slack {
			t.Errorf("the doctor took %s with AWS silent; its bound is %s", r.elapsed, bound)
		}
		wantCheck(t, r, checks, doctor.IDVerify, "problem", []string{"did not answer within 5 seconds"}, nil)
		wantCheck(t, r, checks, doctor.IDBedrockModel, "problem", []string{"did not answer within 5 seconds"}, nil)
		wantCheck(t, r, checks, doctor.IDBedrockEndpoint, "problem", []string{"did not answer within 3 seconds"}, nil)
		wantCheck(t, r, checks, doctor.IDClock, "skipped", nil, nil)
	})
}

// TestDoctorRegionIsNotAHost: a region is part of the endpoint's host
// name, so a value such as "x@127.0.0.1:PORT/" would send the doctor's
// request to another host. The doctor refuses it as a region and connects
// nowhere.
func TestDoctorRegionIsNotAHost(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	for k := range s.env {
		if strings.HasPrefix(k, "AWS_ENDPOINT_URL") {
			delete(s.env, k)
		}
	}
	bad := "x@" + ln.Addr().String() + "/"
	s.env["AWS_REGION"] = bad
	s.userSettings(t, map[string]any{"env": map[string]any{"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": bad}})
	r, checks := s.doctorJSON(t, "--profile", "dev", "--offline")
	wantCheck(t, r, checks, doctor.IDBedrockEndpoint, "problem", []string{"is not an AWS region name"}, nil)
	if n := accepted.Load(); n != 0 {
		t.Errorf("the doctor connected to %s %d times", ln.Addr(), n)
	}
}

// TestDoctorDefaultFromEnvironment: with no default profile, the SDK's
// chain serves default from key variables; the doctor gets and verifies
// them and warns that nothing renews them, but finds no problem.
func TestDoctorDefaultFromEnvironment(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	key, secret := s.staticProfile(t, "other", "us-east-1")
	s.env["AWS_ACCESS_KEY_ID"], s.env["AWS_SECRET_ACCESS_KEY"] = key, secret
	r, checks := s.doctorJSON(t)
	wantCheck(t, r, checks, doctor.IDProfileExists, "warning", []string{"no default profile"}, nil)
	wantCheck(t, r, checks, doctor.IDShadowEnvKeys, "warning", []string{"the only credentials"}, nil)
	wantCheck(t, r, checks, doctor.IDVerify, "ok", nil, nil)
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, secret) {
		t.Errorf("want exit 0 and no secret:\n%s", r)
	}
}
