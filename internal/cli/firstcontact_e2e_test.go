//go:build unix

package cli_test

import (
	"debug/buildinfo"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/cli"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// exportJSON is what the export command of these tests prints.
const exportJSON = `printf '{"Version":1,"AccessKeyId":"ASIAFIRSTCONTACT0001","SecretAccessKey":"fcsecret","SessionToken":"fctoken","Expiration":"2099-01-01T00:00:00Z"}'`

// twoProfiles writes a config file with profiles dev and prod.
func twoProfiles(s *sandbox) {
	s.write(".aws/config", "[profile dev]\nregion = eu-west-1\n\n[profile prod]\nregion = us-east-1\n", 0o600)
}

// stderrLines is the non-empty lines of r's stderr.
func stderrLines(r result) []string {
	var out []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestExecLogCreatesFolder: --log FILE in a folder that does not exist
// yet, as the README writes it, and with a ~/ no shell expanded.
func TestExecLogCreatesFolder(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`--log (~/\S+)`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README shows no --log ~/… example")
	}
	for _, path := range []string{string(m[1]), "~/new/folder/dev.log"} {
		s := execSandbox(t)
		r := s.run("exec", "--log", path, "--", "true")
		if r.code != 0 {
			t.Fatalf("exec --log %s failed:\n%s", path, r)
		}
		file := filepath.Join(s.home, strings.TrimPrefix(path, "~/"))
		fi, err := os.Stat(file)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("--log %s: file %s: %v, mode %v; want 0600", path, file, err, fi)
		}
		if dir := filepath.Dir(file); dir != s.home {
			if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
				t.Errorf("--log %s: folder %s: %v; want 0700", path, dir, err)
			}
		}
	}
}

// TestUnknownProfile: a mistyped or missing profile is a configuration
// error before anything runs, with the profiles there are.
func TestUnknownProfile(t *testing.T) {
	t.Parallel()
	const notIn = `Error: profile "dve" is not in ~/.aws/config or ~/.aws/credentials (profiles: dev, prod).`
	t.Run("typo", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		twoProfiles(s)
		for _, args := range [][]string{{"export"}, {"refresh"}, {"status"}, {"exec", "--", "true"}} { // status --line: TestStatusLineOnAMistypedProfile
			r := s.run(append([]string{args[0], "--profile", "dve"}, args[1:]...)...)
			lines := stderrLines(r)
			if r.code != 2 || len(lines) < 2 || lines[0] != notIn || lines[1] != `Did you mean "dev"?` {
				t.Errorf("%v: want exit 2, %q and the suggestion:\n%s", args, notIn, r)
			}
		}
	})
	t.Run("nothing runs and nothing is left", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		twoProfiles(s)
		marker := filepath.Join(s.home, "login-ran")
		r := s.run("refresh", "--profile", "nosuch", "--command", "touch "+marker)
		if r.code != 2 || !strings.HasPrefix(r.firstLine(), `Error: profile "nosuch" is not in`) {
			t.Errorf("want exit 2 for the missing profile:\n%s", r)
		}
		if !strings.Contains(r.stderr, "Use one of those profiles, or create this one with 'aws configure sso --profile nosuch'") {
			t.Errorf("no next step:\n%s", r)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the login command ran for a profile that does not exist")
		}
		if entries, _ := os.ReadDir(filepath.Join(s.home, ".cache", "awsfresh")); len(entries) > 0 {
			t.Errorf("files left for a profile that does not exist: %v", entries)
		}
	})
	t.Run("from AWS_PROFILE, files elsewhere", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		other := t.TempDir()
		s.env["AWS_CONFIG_FILE"] = filepath.Join(other, "config")
		s.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(other, "credentials")
		s.env["AWS_PROFILE"] = "nosuch"
		r := s.run("status")
		want := `Error: profile "nosuch" is not in ` + filepath.Join(other, "config") + " or " + filepath.Join(other, "credentials") + " (neither file exists)."
		if lines := stderrLines(r); r.code != 2 || len(lines) < 3 || lines[0] != want || lines[1] != "The profile name comes from AWS_PROFILE." ||
			!strings.HasPrefix(lines[2], "Create it with 'aws configure sso --profile nosuch'") {
			t.Errorf("want exit 2, %q, where the name comes from and how to create it:\n%s", want, r)
		}
	})
	t.Run("an export command needs no profile", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		r := s.run("export", "--profile", "nosuch", "--command", exportJSON)
		if r.code != 0 || !strings.Contains(r.stdout, "ASIAFIRSTCONTACT0001") {
			t.Errorf("export with its own command refused a profile it does not need:\n%s", r)
		}
	})
	t.Run("default profile from environment keys, no files", func(t *testing.T) {
		t.Parallel()
		s := newSimSandbox(t, simaws.Options{})
		id, secret := s.sim.CreateUser("env-user")
		s.env["AWS_ACCESS_KEY_ID"], s.env["AWS_SECRET_ACCESS_KEY"] = id, secret
		r := s.run("export")
		if c := parseExport(t, r); c.AccessKeyID != id {
			t.Errorf("export served %s, want the environment's keys", c.MaskedKeyID())
		}
	})
}

// TestExecRegion: the program of exec, which loses AWS_PROFILE, gets the
// profile's region, and a warning when there is none.
func TestExecRegion(t *testing.T) {
	t.Parallel()
	const show = `env | grep -E '^(AWS_REGION|AWS_DEFAULT_REGION|AWSFRESH_PROFILE)=' | sort`
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		want    string
		warn    bool
	}{
		{"the profile's region", "dev", nil, "AWSFRESH_PROFILE=dev\nAWS_DEFAULT_REGION=eu-west-1\nAWS_REGION=eu-west-1\n", false},
		{"the environment's wins", "dev", map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}, "AWSFRESH_PROFILE=dev\nAWS_DEFAULT_REGION=ap-south-1\nAWS_REGION=ap-south-1\n", false},
		{"both set: unchanged", "dev", map[string]string{"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"}, "AWSFRESH_PROFILE=dev\nAWS_DEFAULT_REGION=ap-south-1\nAWS_REGION=us-west-2\n", false},
		{"none at all", "bare", nil, "AWSFRESH_PROFILE=bare\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := execSandbox(t)
			s.write(".aws/config", "[profile dev]\nregion = eu-west-1\n\n[profile bare]\noutput = json\n", 0o600)
			delete(s.env, "AWS_REGION")
			for k, v := range tt.env {
				s.env[k] = v
			}
			r := s.run("exec", "--profile", tt.profile, "--", "sh", "-c", show)
			if r.code != 0 || r.stdout != tt.want {
				t.Errorf("program environment:\n%s\nwant:\n%s", r, tt.want)
			}
			const warning = `Warning: no AWS region for the program: profile "bare" has no region and AWS_REGION is not set`
			if got := strings.Contains(r.stderr, warning); got != tt.warn {
				t.Errorf("warning shown: %v, want %v:\n%s", got, tt.warn, r.stderr)
			}
			if tt.warn && !strings.Contains(r.stderr, `Add "region = REGION" to [profile bare] in ~/.aws/config, or set AWS_REGION.`) {
				t.Errorf("the warning does not say where to set the region:\n%s", r.stderr)
			}
		})
	}
}

// TestProfileConfigurationErrors: a profile configured wrong is exit 2
// naming the file, the section and the key, in every command, and status
// shows the problem instead of a healthy session.
func TestProfileConfigurationErrors(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(".aws/config", `[profile noregion]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_account_id = 123456789012
sso_role_name = Developer

[profile nosession]
sso_session = missing
sso_account_id = 123456789012
sso_role_name = Developer
`, 0o600)
	// A healthy-looking session in the token cache.
	for _, key := range []string{"corp", "https://corp.awsapps.com/start"} {
		if _, err := simaws.WriteSSOCache(s.home, key, "https://corp.awsapps.com/start", "us-east-1",
			simaws.SSOToken{AccessToken: "token", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ profile, first, fix string }{
		{"noregion", `Error: profile "noregion" uses IAM Identity Center, but [sso-session corp] in ~/.aws/config has no sso_region.`,
			"Fix: add sso_region = REGION (your IAM Identity Center's region) to [sso-session corp] in ~/.aws/config, or run 'aws configure sso-session'."},
		{"legacy", `Error: profile "legacy" uses IAM Identity Center, but [profile legacy] in ~/.aws/config has no sso_region.`,
			"Fix: add sso_region = REGION (your IAM Identity Center's region) to [profile legacy] in ~/.aws/config, or run 'aws configure sso --profile legacy'."},
		{"nosession", `Error: profile "nosession" has sso_session = missing, but ~/.aws/config has no [sso-session missing] section.`,
			"Fix: add a [sso-session missing] section with sso_start_url and sso_region to ~/.aws/config ('aws configure sso-session' writes one), or correct sso_session in [profile nosession]."},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"refresh", "export"} {
			r := s.run(cmd, "--profile", tt.profile)
			if lines := stderrLines(r); r.code != 2 || len(lines) != 2 || lines[0] != tt.first || lines[1] != tt.fix {
				t.Errorf("%s --profile %s: want exit 2 with\n%s\n%s\n%s", cmd, tt.profile, tt.first, tt.fix, r)
			}
		}
		st := s.run("status", "--profile", tt.profile)
		if st.code != 2 || !strings.Contains(st.stdout, "Problem:      "+strings.TrimSuffix(strings.TrimPrefix(tt.first, "Error: "), ".")) ||
			strings.Contains(st.stdout, "Login needed:") {
			t.Errorf("status --profile %s does not show the problem:\n%s", tt.profile, st)
		}
		if line := s.run("status", "--line", "--profile", tt.profile); line.stdout != "aws "+tt.profile+" config error\n" {
			t.Errorf("status --line --profile %s:\n%s", tt.profile, line)
		}
	}
}

// TestCredentialProcessErrors: a failing credential_process names itself,
// where it is set and what to do; output that is not credentials is not
// echoed.
func TestCredentialProcessErrors(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(".aws/config", `[profile fails]
credential_process = sh -c 'echo "token expired, run: corp-login" >&2; exit 3'

[profile missing]
credential_process = no-such-helper-xyz --profile dev

[profile garbage]
credential_process = echo {"AccessKeyId":"AKIAGARBAGE000000001","SecretAccessKey":"garbagesecret"
`, 0o600)
	r := s.run("export", "--profile", "fails")
	if lines := stderrLines(r); r.code != 1 || !strings.Contains(r.stderr, "token expired, run: corp-login") ||
		!strings.Contains(r.stderr, `Error: the credential_process of profile "fails" failed: exit status 3.`) ||
		!strings.Contains(r.stderr, `It is set in [profile fails] of ~/.aws/config: credential_process = sh -c`) ||
		!strings.HasPrefix(lines[len(lines)-1], "Run that command by hand to see why") {
		t.Errorf("want exit 1, the command's own output, where it is set and the next step:\n%s", r)
	}
	r = s.run("export", "--profile", "missing")
	if r.code != 2 || !strings.Contains(r.stderr, "Fix: correct credential_process in [profile missing] of ~/.aws/config: no-such-helper-xyz --profile dev") {
		t.Errorf("want exit 2 naming the key to fix:\n%s", r)
	}
	r = s.run("export", "--profile", "garbage")
	if r.code != 1 || !strings.Contains(r.stderr, "it printed something that is not credential_process JSON (not shown: it may hold secrets)") {
		t.Errorf("want exit 1 saying the output is not credentials:\n%s", r)
	}
	assertNoSecret(t, r, "garbagesecret", "AKIAGARBAGE000000001")
}

// ssoToken writes dev's SSO token cache with a token the simulation
// accepts, which the file says expires in left, with or without a refresh
// token.
func (s *simSandbox) ssoToken(t *testing.T, left time.Duration, refreshable bool) {
	t.Helper()
	tok := s.sim.IssueSSOToken()
	tok.ExpiresAt = time.Now().Add(left)
	if !refreshable {
		tok.RefreshToken, tok.ClientID, tok.ClientSecret, tok.RegistrationExpiresAt = "", "", "", time.Time{}
	}
	if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, tok); err != nil {
		t.Fatal(err)
	}
}

// TestStatusLineShowsWhenLoginIsNeeded: the prompt line shows the time
// until a login is needed (the SSO session), not the role credentials'
// lifetime, and exec's program sees the served profile.
func TestStatusLineShowsWhenLoginIsNeeded(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 6 * time.Second})
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	line := func() string { return strings.TrimSpace(s.run("status", "--line", "--profile", "dev").stdout) }

	s.ssoToken(t, 59*time.Minute+30*time.Second, false)
	if got := line(); got != "aws dev 59m" {
		t.Errorf("no credentials yet, a session of 59 minutes: %q, want \"aws dev 59m\"", got)
	}
	// Role credentials of 6 seconds, left to expire: the session still
	// renews them silently.
	parseExport(t, s.run("export", "--profile", "dev"))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var st struct {
			Engine struct{ Credentials struct{ State string } }
		}
		if err := json.Unmarshal([]byte(s.run("status", "--json", "--profile", "dev").stdout), &st); err != nil {
			t.Fatal(err)
		}
		if st.Engine.Credentials.State == "expired" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the credentials never expired (state %q)", st.Engine.Credentials.State)
		}
	}
	if got := line(); got != "aws dev 59m" {
		t.Errorf("expired credentials, a session of 59 minutes: %q, want \"aws dev 59m\"", got)
	}
	s.ssoToken(t, 59*time.Minute+30*time.Second, true)
	if got := line(); got != "aws dev 59m+" {
		t.Errorf("a session with a refresh token: %q, want \"aws dev 59m+\"", got)
	}
	s.ssoToken(t, -time.Minute, false)
	if got := line(); got != "aws dev login needed" {
		t.Errorf("session and credentials over: %q, want \"aws dev login needed\"", got)
	}

	// Inside exec, AWS_PROFILE is gone; AWSFRESH_PROFILE names dev.
	s.ssoToken(t, 59*time.Minute+30*time.Second, false)
	r := s.run("exec", "--profile", "dev", "--", awsfreshBin, "status", "--line")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "aws dev 59m" {
		t.Errorf("status --line inside exec:\n%s\nwant \"aws dev 59m\"", r)
	}
	r = s.run("exec", "--profile", "dev", "--", awsfreshBin, "status")
	if !strings.Contains(r.stdout, "Profile:      dev (from AWSFRESH_PROFILE (set by awsfresh exec))") {
		t.Errorf("status inside exec does not describe the served profile:\n%s", r)
	}
}

// TestStatusReports: --json leaves out what is not known, --all labels
// each profile, and a command that will be refused says so.
func TestStatusReports(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	id, secret := s.sim.CreateUser("carol")
	s.write(".aws/credentials", "[static]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n", 0o600)

	// No SSO token cached: nothing about it is known but that.
	r := s.run("status", "--json", "--profile", "dev")
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r)
	}
	if strings.Contains(r.stdout, "0001-01-01") {
		t.Errorf("status --json prints zero times:\n%s", r.stdout)
	}
	if sso, _ := rep["ssoSession"].(map[string]any); sso["error"] == nil || sso["expiresAt"] != nil || sso["cacheFile"] != nil || sso["refreshable"] != nil {
		t.Errorf("ssoSession without a token: want its error and no token fields, got %v", rep["ssoSession"])
	}

	s.env["AWS_PROFILE"] = "static"
	r = s.run("status", "--all")
	if strings.Contains(r.stdout, "(from --profile)") ||
		!strings.Contains(r.stdout, "Profile:      dev (from the shared config files)") ||
		!strings.Contains(r.stdout, "Profile:      static (from AWS_PROFILE, the current profile)") {
		t.Errorf("status --all labels:\n%s", r)
	}
	var reps []map[string]any
	if err := json.Unmarshal([]byte(s.run("status", "--all", "--json").stdout), &reps); err != nil || len(reps) != 2 ||
		reps[0]["current"] != nil || reps[1]["current"] != true {
		t.Errorf("status --all --json does not mark the current profile: %v %v", err, reps)
	}

	// A project's login command, not trusted yet.
	project := s.write("work/.claude/settings.json", `{"awsAuthRefresh": "echo project-login"}`, 0o644)
	r = s.run("status", "--profile", "dev")
	if !strings.Contains(r.stdout, "✗ will be refused: the awsAuthRefresh command in "+project+" comes from the project and is not trusted yet") {
		t.Errorf("status shows no sign that the project's command will be refused:\n%s", r)
	}
	if !strings.Contains(s.run("status", "--json", "--profile", "dev").stdout, `"refused": "the awsAuthRefresh command in `) {
		t.Error("status --json does not say the command will be refused")
	}
	if tr := s.run("trust", project); tr.code != 0 {
		t.Fatalf("trust:\n%s", tr)
	}
	if r = s.run("status", "--profile", "dev"); strings.Contains(r.stdout, "will be refused") {
		t.Errorf("a trusted command is still shown as refused:\n%s", r)
	}
	assertNoSecret(t, r, secret)
}

// TestUsageErrors: a usage mistake is exit 2 with the command's usage.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	tests := []struct {
		args              []string
		first, used, path string
	}{
		{[]string{"exec"}, "Error: exec needs a program to run", "Usage: awsfresh exec [flags] [--] COMMAND [ARGS...]", "awsfresh exec"},
		{[]string{"nosuch"}, `Error: unknown command "nosuch" for "awsfresh"`, "Usage: awsfresh COMMAND [flags]", "awsfresh"},
		{[]string{"status", "extra"}, `Error: awsfresh status takes no arguments (got "extra")`, "Usage: awsfresh status [flags]", "awsfresh status"},
		{[]string{"refresh", "--bogus"}, "Error: unknown flag: --bogus", "Usage: awsfresh refresh [flags]", "awsfresh refresh"},
		{[]string{"export", "--format", "xml"}, `Error: unknown format "xml" (use process, claude or env)`, "Usage: awsfresh export [flags]", "awsfresh export"},
		{[]string{"trust"}, "Error: requires at least 1 arg(s), only received 0", "Usage: awsfresh trust FILE... [flags]", "awsfresh trust"},
	}
	for _, tt := range tests {
		r := s.run(tt.args...)
		lines := stderrLines(r)
		more := "Run '" + tt.path + " --help' for more."
		if r.code != 2 || len(lines) != 3 || lines[0] != tt.first || lines[1] != tt.used || lines[2] != more {
			t.Errorf("awsfresh %s: want exit 2 with\n%s\n%s\n%s\ngot %s", strings.Join(tt.args, " "), tt.first, tt.used, more, r)
		}
	}
}

// TestVersion: --version says what the toolchain recorded in the binary.
func TestVersion(t *testing.T) {
	t.Parallel()
	bi, err := buildinfo.ReadFile(awsfreshBin)
	if err != nil {
		t.Fatal(err)
	}
	r := newSandbox(t).run("--version")
	if want := "awsfresh version " + cli.VersionFrom("dev", bi) + "\n"; r.code != 0 || r.stdout != want {
		t.Errorf("--version:\n%s\nwant %q", r, want)
	}
}

// TestCompletionAndHelp: completion offers the profiles and the formats;
// demo and completion do not list global flags that do nothing there.
func TestCompletionAndHelp(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	twoProfiles(s)
	if r := s.run("__complete", "export", "--profile", ""); !strings.HasPrefix(r.stdout, "dev\nprod\n:4\n") {
		t.Errorf("--profile completion:\n%s", r)
	}
	if r := s.run("__complete", "export", "--format", ""); !strings.HasPrefix(r.stdout, "process\t") ||
		!strings.Contains(r.stdout, "\nclaude\t") || !strings.Contains(r.stdout, "\nenv\t") {
		t.Errorf("--format completion:\n%s", r)
	}
	for _, args := range [][]string{{"demo", "--help"}, {"completion", "--help"}, {"completion", "bash", "--help"}} {
		if r := s.run(args...); r.code != 0 || strings.Contains(r.stdout, "Global Flags") || strings.Contains(r.stdout, "--profile") {
			t.Errorf("%v lists global flags:\n%s", args, r)
		}
	}
	if r := s.run("export", "--help"); !strings.Contains(r.stdout, "Global Flags:") || !strings.Contains(r.stdout, "--profile") {
		t.Errorf("export --help lost the global flags:\n%s", r)
	}
}

// TestStatusLineLongTermKeys: a profile of long-term keys never needs a
// login, whether or not anything was cached yet.
func TestStatusLineLongTermKeys(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "keys", "us-east-1")
	if r := s.run("status", "--line", "--profile", "keys"); r.code != 0 || strings.TrimSpace(r.stdout) != "aws keys ok" {
		t.Errorf("status --line before any export: want \"aws keys ok\":\n%s", r)
	}
}

// TestStatusLineOnAMistypedProfile: a shell prompt runs status --line
// before every command; a mistyped profile is one short line on stdout
// and one on stderr, not a paragraph.
func TestStatusLineOnAMistypedProfile(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	s.env["AWS_PROFILE"] = "dve"
	r := s.run("status", "--line")
	if r.code != 2 || r.stdout != "aws dve not found\n" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `profile "dve" is not in`) {
		t.Errorf("want exit 2, one line on stdout and one on stderr:\n%s", r)
	}
}
