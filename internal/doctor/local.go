package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// localChecks are the checks that read files and the environment only.
func (d *doctor) localChecks(ctx context.Context) {
	d.checkProfile()
	d.checkShadowing(ctx)
	d.checkSSO()
	d.checkClaude()
	d.checkLogin()
}

// sdkOptions are the settings' options for the SDK (AWS_CONFIG_FILE, say),
// when the settings could be read.
func (d *doctor) sdkOptions() []func(*config.LoadOptions) error {
	if d.res == nil {
		return nil
	}
	return d.res.SDKOptions
}

func (d *doctor) checkProfile() {
	p, q := d.profile, creds.ShellQuote(d.profile.Name)
	switch {
	case d.profileErr != nil:
		d.set(IDProfileExists, Problem, "profile "+quote(p.Name)+" cannot be read: "+redact(d.profileErr),
			"fix the profile's section in "+configFile())
	case !p.Exists && p.Name == "default":
		// The SDK's chain serves default without a profile: environment
		// variables, a container, an instance role.
		d.set(IDProfileExists, Warning, "no default profile in the shared files; credentials can only come from the environment, a container or an instance role",
			"for a login that awsfresh can renew, set up a named profile (aws configure sso --profile NAME) and pass --profile NAME")
	case !p.Exists:
		e := source.ProfileNotFound(p.Name, d.sdkOptions()...)
		msg := e.WithSuggestion()
		fix := "create it: aws configure sso --profile " + q + " (IAM Identity Center), or aws configure --profile " + q + " (access keys)"
		if e.Suggestion != "" {
			fix = "awsfresh doctor --profile " + creds.ShellQuote(e.Suggestion) + ", or " + fix
		}
		d.set(IDProfileExists, Problem, msg, fix)
	default:
		d.ok(IDProfileExists, "profile %s is defined (from %s)", quote(p.Name), d.profileFrom)
	}

	d.checkKind()

	switch envRegion := firstEnv(d.getenv, "AWS_REGION", "AWS_DEFAULT_REGION"); {
	case !p.Exists:
		d.skip(IDProfileRegion, "the profile is not defined")
	case p.Region != "":
		d.ok(IDProfileRegion, "region %s (the profile's)", p.Region)
	case envRegion != "" || d.claudeRegion() != "":
		d.set(IDProfileRegion, Warning, fmt.Sprintf("the profile sets no region; %s comes from the environment or settings only, which tools started elsewhere do not see", d.claudeRegion()),
			"aws configure set region "+d.claudeRegion()+" --profile "+q)
	default:
		d.set(IDProfileRegion, Problem, "no region: neither the profile nor AWS_REGION sets one, so AWS SDKs and Claude Code do not know where to send requests",
			"aws configure set region REGION --profile "+q+" (your Bedrock region, e.g. us-east-1)")
	}
}

func (d *doctor) checkKind() {
	p, q := d.profile, creds.ShellQuote(d.profile.Name)
	if !p.Exists {
		d.skip(IDProfileKind, "the profile is not defined")
		return
	}
	role := ""
	if p.RoleARN != "" {
		role = ", then assumes " + p.RoleARN
	}
	switch {
	case p.IsSSO() && p.SSOCacheKey == p.SSOStartURL:
		d.set(IDProfileKind, Warning, "legacy IAM Identity Center profile (sso_start_url without an sso-session)"+role+": its session cannot be renewed silently, so it needs a browser login every time it ends",
			"aws configure sso --profile "+q+" (give the session a name: the profile moves to the sso-session form, which renews silently)")
	case p.IsSSO():
		d.ok(IDProfileKind, "IAM Identity Center through sso-session %s%s: renews silently while the session lasts", quote(p.SSOCacheKey), role)
	case p.CredentialProcess != "":
		if c, ok := resolve.ParseAwsfreshCommand(p.CredentialProcess, d.opts.Resolve.Self); ok && c.Subcommand == "export" && (c.Profile == p.Name || c.Profile == "" && p.Name == "default") {
			d.set(IDProfileKind, Problem, "credential_process runs awsfresh export for this same profile, which would run its own credential_process again",
				"give awsfresh another profile to read: move the credential_process to a new profile (e.g. [profile "+p.Name+"-fresh]) and keep "+quote(p.Name)+"'s own credentials")
			return
		}
		d.ok(IDProfileKind, "credential_process `%s`", p.CredentialProcess)
	case p.RoleARN != "":
		d.ok(IDProfileKind, "assumes role %s: the AWS SDK renews it silently", p.RoleARN)
	case p.StaticKeys:
		d.ok(IDProfileKind, "long-term access keys")
	case d.res != nil && d.res.Export != nil:
		d.ok(IDProfileKind, "no credentials of its own; they come from the export command (%s)", d.res.Export.From)
	default:
		d.set(IDProfileKind, Problem, "the profile defines no way to get credentials (no SSO, role, credential_process or access keys)",
			"aws configure sso --profile "+q)
	}
}

func (d *doctor) checkShadowing(ctx context.Context) {
	var keys, other []string
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if d.getenv(v) != "" {
			keys = append(keys, v)
		}
	}
	for _, v := range []string{"AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if d.getenv(v) != "" {
			other = append(other, v)
		}
	}
	switch {
	case len(keys) > 0 && !d.profile.Exists && d.profile.Name == "default":
		// No profile to shadow: these keys are the credentials.
		d.set(IDShadowEnvKeys, Warning, strings.Join(keys, ", ")+" set in this environment are the only credentials (there is no default profile), and nothing can refresh them when they expire",
			"for credentials awsfresh can renew, set up a profile (aws configure sso --profile NAME) and pass --profile NAME")
	case len(keys) > 0:
		d.set(IDShadowEnvKeys, Problem, strings.Join(keys, ", ")+" set in this environment: AWS SDKs and Claude Code use these keys instead of profile "+quote(d.profile.Name)+", and nothing can refresh them",
			"unset "+strings.Join(keys, " ")+" (and remove them from your shell's startup files)")
	case len(other) > 0:
		d.set(IDShadowEnvKeys, Warning, strings.Join(other, ", ")+" set in this environment: credentials come from there rather than from profile "+quote(d.profile.Name),
			"unset "+strings.Join(other, " ")+" unless you meant it")
	default:
		d.ok(IDShadowEnvKeys, "no static key variables in this environment")
	}

	d.checkAWSProfile()

	if d.profile.Name == "default" {
		d.ok(IDShadowDefault, "the checked profile is the default profile")
		return
	}
	var opts []func(*config.LoadOptions) error
	if d.res != nil {
		opts = d.res.SDKOptions
	}
	def, err := source.LoadProfile(ctx, "default", opts...)
	switch {
	case err != nil || !def.Exists:
		d.ok(IDShadowDefault, "no default profile that programs could take instead")
	case def.IsSSO() || def.RoleARN != "" || def.CredentialProcess != "":
		d.set(IDShadowDefault, Warning, "the default profile gets credentials of its own: programs under awsfresh exec that use the default profile get those, not profile "+quote(d.profile.Name)+"'s",
			"move the [default] profile's credential settings to a named profile")
	case def.StaticKeys:
		d.ok(IDShadowDefault, "the default profile has static keys; awsfresh exec hides them from the program, and Claude Code takes awsCredentialExport's")
	default:
		d.ok(IDShadowDefault, "the default profile has no credentials of its own")
	}
}

func (d *doctor) checkAWSProfile() {
	var notes []string
	fix := ""
	checked := d.profile.Name
	shell := d.getenv("AWS_PROFILE")
	inSettings, settingsFile := d.settingsEnv("AWS_PROFILE")
	cmdProfile := ""
	if d.res != nil {
		cmdProfile, _ = commandsProfile(d.res, d.opts.Resolve.Self)
	}
	if cmdProfile != "" && cmdProfile != checked {
		notes = append(notes, fmt.Sprintf("Claude Code's awsfresh commands use profile %s, not the checked %s (from %s)", quote(cmdProfile), quote(checked), d.profileFrom))
		fix = "awsfresh doctor --profile " + creds.ShellQuote(cmdProfile)
	}
	if settingsFile != nil && cmdProfile != "" && inSettings != cmdProfile {
		notes = append(notes, fmt.Sprintf("env.AWS_PROFILE=%s in %s, but the awsfresh commands use %s: tools Claude Code runs get another account", inSettings, settingsFile.Path, quote(cmdProfile)))
		fix = "awsfresh setup claude --profile " + creds.ShellQuote(cmdProfile)
	}
	if shell != "" && shell != checked && d.profileFrom != "AWS_PROFILE" {
		notes = append(notes, fmt.Sprintf("AWS_PROFILE=%s in this environment: tools started from here use that profile, not %s", shell, quote(checked)))
		if fix == "" {
			fix = "unset AWS_PROFILE, or export AWS_PROFILE=" + creds.ShellQuote(checked)
		}
	}
	if len(notes) > 0 {
		d.set(IDShadowAWSProfile, Warning, strings.Join(notes, "; "), fix)
		return
	}
	d.ok(IDShadowAWSProfile, "no other AWS_PROFILE competes with profile %s", quote(checked))
}

func (d *doctor) checkSSO() {
	p := d.profile
	if !p.IsSSO() {
		d.skip(IDSSOSession, "profile %s does not use IAM Identity Center", quote(p.Name))
		return
	}
	now := d.opts.Now()
	s, err := source.LoadSSOSession(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.set(IDSSOSession, Problem, "no cached SSO token for "+quote(p.SSOCacheKey)+": not logged in", d.loginFix())
		return
	case err != nil:
		d.set(IDSSOSession, Problem, "the SSO token cache cannot be used: "+redact(err), d.loginFix())
		return
	}
	regEnded := !s.RegistrationExpiresAt.IsZero() && !s.RegistrationExpiresAt.After(now)
	regSoon := !s.RegistrationExpiresAt.IsZero() && s.RegistrationExpiresAt.Sub(now) < 7*24*time.Hour
	left := s.ExpiresAt.Sub(now)
	switch {
	case left <= 0 && !s.Refreshable:
		d.set(IDSSOSession, Problem, fmt.Sprintf("the SSO session ended %s ago and has no refresh token: a login is needed", wording.Duration(-left)), d.loginFix())
	case left <= 0 && regEnded:
		d.set(IDSSOSession, Problem, fmt.Sprintf("the SSO session ended %s ago and its client registration expired %s: a login is needed", wording.Duration(-left), s.RegistrationExpiresAt.Local().Format(time.DateTime)), d.loginFix())
	case left <= 0:
		d.ok(IDSSOSession, "the SSO access token expired %s ago; its refresh token lets the AWS SDK renew it silently", wording.Duration(-left))
	case !s.Refreshable && left < time.Hour:
		d.set(IDSSOSession, Warning, fmt.Sprintf("the SSO session ends in %s and cannot be renewed silently (no refresh token)", wording.Duration(left)),
			d.loginFix()+" --force (log in now rather than be interrupted)")
	case !s.Refreshable:
		d.ok(IDSSOSession, "the SSO session is valid for %s; without a refresh token it needs a login when it ends", wording.Duration(left))
	case regSoon:
		d.set(IDSSOSession, Warning, fmt.Sprintf("the SSO token is valid for %s, but its client registration ends %s, and with it silent renewal", wording.Duration(left), s.RegistrationExpiresAt.Local().Format(time.DateTime)),
			d.loginFix()+" --force (a new login registers again)")
	default:
		reg := ""
		if !s.RegistrationExpiresAt.IsZero() {
			reg = " until " + s.RegistrationExpiresAt.Local().Format(time.DateOnly)
		}
		d.ok(IDSSOSession, "the SSO token is valid for %s and renewable with its refresh token%s", wording.Duration(left), reg)
	}
}

// staticKeyEnv are settings env entries that make Claude Code use them
// rather than run awsCredentialExport.
var staticKeyEnv = [...]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"}

func (d *doctor) checkClaude() {
	claudeIDs := []string{IDClaudeBedrock, IDClaudeRegion, IDClaudeRefresh, IDClaudeExport, IDClaudeStaticKeys, IDClaudeTrust}
	if d.settingsErr != nil {
		// Settings errors never hold a value, and redacting would mangle the path.
		d.set(IDClaudeSettings, Problem, d.settingsErr.Error(), "fix the file at that position (awsfresh reads no settings, and setup changes nothing, until it is valid JSON)")
		for _, id := range claudeIDs {
			d.skip(id, "the settings could not be read")
		}
		return
	}
	if d.res == nil {
		for _, id := range append([]string{IDClaudeSettings}, claudeIDs...) {
			d.skip(id, "the profile could not be read")
		}
		return
	}
	var read []string
	for _, f := range d.res.Settings.Files {
		if f.Exists {
			read = append(read, f.Scope.String()+" "+f.Path)
		}
	}
	if len(read) == 0 && d.getenv("CLAUDE_CODE_USE_BEDROCK") == "" {
		d.set(IDClaudeSettings, Warning, "no Claude Code settings file found", "to use Claude Code on Bedrock: "+d.setupFix())
		for _, id := range claudeIDs {
			d.skip(id, "no Claude Code settings")
		}
		return
	}
	if len(read) == 0 {
		d.ok(IDClaudeSettings, "no Claude Code settings file; CLAUDE_CODE_USE_BEDROCK comes from the environment")
	} else {
		d.ok(IDClaudeSettings, "read %s", strings.Join(read, ", "))
	}

	d.checkClaudeEnv("CLAUDE_CODE_USE_BEDROCK", IDClaudeBedrock, Truthy,
		"Claude Code uses the Anthropic API, not Bedrock")
	d.checkClaudeEnv("AWS_REGION", IDClaudeRegion, func(v string) bool { return v != "" },
		"Claude Code has no AWS_REGION (it does not read the profile's region)")
	d.checkClaudeRefresh()
	d.checkClaudeExport()

	var found []string
	var file string
	for _, name := range staticKeyEnv {
		if _, f := d.settingsEnv(name); f != nil {
			found = append(found, "env."+name)
			file = f.Path
		}
	}
	if len(found) > 0 {
		d.set(IDClaudeStaticKeys, Problem, strings.Join(found, ", ")+" in "+file+": Claude Code uses these and never runs awsCredentialExport, so nothing refreshes them",
			"remove "+strings.Join(found, ", ")+" from "+file)
	} else {
		d.ok(IDClaudeStaticKeys, "no static keys in Claude Code's env")
	}
	d.checkTrust()
}

// checkClaudeEnv checks that Claude Code's settings set name to a good
// value; the environment alone is only a warning, since Claude Code
// started from elsewhere (an IDE) does not see it.
func (d *doctor) checkClaudeEnv(name, id string, good func(string) bool, missing string) {
	v, f := d.settingsEnv(name)
	switch {
	case f != nil && good(v):
		d.ok(id, "%s=%s (%s %s)", name, v, f.Scope, f.Path)
	case f == nil && good(d.getenv(name)):
		d.set(id, Warning, name+" is set in this environment only: Claude Code started from elsewhere (an IDE, another terminal) does not see it", d.setupFix())
	default:
		d.set(id, Problem, missing, d.setupFix())
	}
}

func (d *doctor) checkClaudeRefresh() {
	v := d.res.Settings.AuthRefresh
	if v == nil {
		d.set(IDClaudeRefresh, Warning, "no awsAuthRefresh: when the login ends, Claude Code fails instead of logging in again", d.setupFix())
		return
	}
	c, isAwsfresh := resolve.ParseAwsfreshCommand(v.Value, d.opts.Resolve.Self)
	switch {
	case !isAwsfresh:
		d.set(IDClaudeRefresh, Warning, "awsAuthRefresh runs `"+v.Value+"` directly: no deadline, and nothing stops it from running again and again",
			d.setupFix()+" (keeps that command, run by awsfresh)")
	case c.Subcommand != "refresh" && c.Subcommand != "login":
		d.set(IDClaudeRefresh, Problem, "awsAuthRefresh runs awsfresh "+cmp.Or(c.Subcommand, "without a command")+", which does not log in", d.setupFix())
	case c.Profile != "" && c.Profile != d.profile.Name:
		d.set(IDClaudeRefresh, Warning, "awsAuthRefresh logs in profile "+quote(c.Profile)+", not "+quote(d.profile.Name), d.setupFix())
	default:
		d.claudeProgram(IDClaudeRefresh, v)
	}
}

func (d *doctor) checkClaudeExport() {
	v := d.res.Settings.CredentialExport
	if v == nil {
		d.set(IDClaudeExport, Warning, "no awsCredentialExport: Claude Code takes credentials from its own AWS SDK chain, which awsfresh cannot keep fresh", d.setupFix())
		return
	}
	c, isAwsfresh := resolve.ParseAwsfreshCommand(v.Value, d.opts.Resolve.Self)
	switch {
	case !isAwsfresh:
		d.set(IDClaudeExport, Warning, "awsCredentialExport runs `"+v.Value+"` directly: no deadline, no cache, no login when it expires",
			d.setupFix()+" (keeps that command, run by awsfresh)")
	case c.Subcommand != "export":
		d.set(IDClaudeExport, Problem, "awsCredentialExport runs awsfresh "+cmp.Or(c.Subcommand, "without a command")+", which prints no credentials", d.setupFix())
	case c.Format != "claude":
		d.set(IDClaudeExport, Problem, "awsCredentialExport prints the "+cmp.Or(c.Format, "process")+" format, which Claude Code does not accept (it needs --format claude)", d.setupFix())
	case c.Profile != "" && c.Profile != d.profile.Name:
		d.set(IDClaudeExport, Warning, "awsCredentialExport exports profile "+quote(c.Profile)+", not "+quote(d.profile.Name), d.setupFix())
	default:
		d.claudeProgram(IDClaudeExport, v)
	}
}

// claudeProgram reports an awsfresh command of Claude Code's settings as
// fine when Claude Code can find the program.
func (d *doctor) claudeProgram(id string, v *settings.Value) {
	prog := resolve.CommandProgram(v.Value)
	if _, err := d.lookPath(prog); err != nil {
		d.set(id, Warning, v.Key+" runs "+prog+", which is not on PATH here; Claude Code may not find it either",
			"put awsfresh on PATH, or run "+d.setupFix()+" (it writes the full path)")
		return
	}
	d.ok(id, "`%s` (%s %s)", v.Value, v.File.Scope, v.File.Path)
}

func (d *doctor) checkTrust() {
	var msgs, files []string
	seen := map[string]bool{}
	// Each command awsfresh would run, then the project's env entries.
	var refusals []error
	for _, c := range []*resolve.Command{d.res.Login, d.res.Export} {
		if c != nil {
			refusals = append(refusals, c.Refused)
		}
	}
	for _, err := range append(refusals, d.res.EnvRefused) {
		var ue *settings.UntrustedError
		switch {
		case errors.As(err, &ue) && seen[ue.Path+" "+ue.Key]:
		case errors.As(err, &ue):
			seen[ue.Path+" "+ue.Key] = true
			msgs = append(msgs, ue.Error())
			if !seen[ue.Path] {
				seen[ue.Path] = true
				files = append(files, creds.ShellQuote(ue.Path))
			}
		case settings.IsSettingsError(err) && !errors.As(err, new(*settings.TrustStoreError)):
			// A settings file that cannot be read: claude.settings says so.
		case err != nil:
			d.set(IDClaudeTrust, Warning, "the trust store cannot be read: "+redact(err), "fix or remove the file it names")
			return
		}
	}
	if len(msgs) > 0 {
		d.set(IDClaudeTrust, Problem, strings.Join(msgs, "; "), "review, then: awsfresh trust "+strings.Join(files, " "))
		return
	}
	d.ok(IDClaudeTrust, "nothing awsfresh would run comes from an untrusted project file")
}

func (d *doctor) checkLogin() {
	if d.res == nil {
		d.skip(IDLoginCommand, "the settings or the profile could not be read")
		return
	}
	l := d.res.Login
	// Claude Code's `awsfresh refresh --command X` runs X.
	if v := d.res.Settings.AuthRefresh; v != nil {
		if c, ok := resolve.ParseAwsfreshCommand(v.Value, d.opts.Resolve.Self); ok && c.Subcommand == "refresh" && c.Command != "" {
			l = &resolve.Command{Line: c.Command, From: "--command of awsAuthRefresh in " + v.File.Path, Value: v}
		}
	}
	if l == nil {
		switch {
		case len(d.res.Skipped) > 0 && !d.renewsWithoutLogin():
			d.set(IDLoginCommand, Problem, "the only login command configured runs awsfresh itself and is skipped: "+d.res.Skipped[0],
				"give awsfresh the real login: awsfresh setup claude --profile "+creds.ShellQuote(d.profile.Name)+", or AWSFRESH_REFRESH_COMMAND='LOGIN COMMAND'")
		case d.renewsWithoutLogin():
			d.ok(IDLoginCommand, "none configured, none needed: profile %s gets credentials without a login", quote(d.profile.Name))
		default:
			d.set(IDLoginCommand, Warning, "no login command: when the credentials can no longer be renewed, awsfresh cannot log in again",
				"AWSFRESH_REFRESH_COMMAND='LOGIN COMMAND', or awsAuthRefresh: \"awsfresh refresh --profile "+creds.ShellQuote(d.profile.Name)+" --command 'LOGIN COMMAND'\"")
		}
		return
	}
	// The built-in IAM Identity Center sign-in needs nothing on PATH.
	if c, ok := resolve.ParseAwsfreshCommand(l.Line, d.opts.Resolve.Self); ok && c.Subcommand == "login" {
		d.ok(IDLoginCommand, "the built-in IAM Identity Center sign-in `%s` (from %s)", l.Line, l.From)
		return
	}
	prog := resolve.CommandProgram(l.Line)
	if c, ok := resolve.ParseAwsfreshCommand(l.Line, d.opts.Resolve.Self); ok {
		d.set(IDLoginCommand, Problem, "the login command `"+l.Line+"` (from "+l.From+") runs awsfresh "+cmp.Or(c.Subcommand, "without a command")+", which does not log in",
			"set the login command to the real login, e.g. aws sso login --profile "+creds.ShellQuote(d.profile.Name))
		return
	}
	path, err := d.lookPath(prog)
	if err != nil {
		fix := "install " + prog + ", or fix the login command (from " + l.From + ")"
		if prog == "aws" {
			fix = "install the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html), or fix the login command (from " + l.From + ")"
		}
		d.set(IDLoginCommand, Problem, "the login command `"+l.Line+"` runs "+prog+", which is not on PATH", fix)
		return
	}
	where := ""
	if path != prog {
		where = " (" + path + ")"
	}
	d.ok(IDLoginCommand, "`%s` (from %s): %s found%s", l.Line, l.From, prog, where)
}

// renewsWithoutLogin reports whether the profile's credentials come
// without a login: long-term keys, or a role assumed from them.
func (d *doctor) renewsWithoutLogin() bool {
	p := d.profile
	return p.Exists && !p.IsSSO() && (p.StaticKeys || p.RoleARN != "" || p.CredentialProcess != "")
}

// lookPath finds prog as the commands awsfresh runs would: in the PATH of
// their environment (the settings' env may change it).
func (d *doctor) lookPath(prog string) (string, error) {
	if prog == "" {
		return "", fs.ErrNotExist
	}
	if shellBuiltins[prog] {
		return prog, nil
	}
	pathEnv := d.getenv("PATH")
	if d.res != nil {
		for _, kv := range d.res.ChildEnv {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				pathEnv = v
			}
		}
	}
	if runtime.GOOS == "windows" {
		return exec.LookPath(prog)
	}
	if strings.Contains(prog, "/") {
		return prog, executable(prog)
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, prog)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fs.ErrNotExist
}

func executable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.IsDir() || info.Mode().Perm()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

// shellBuiltins run without a program on PATH.
var shellBuiltins = map[string]bool{
	":": true, ".": true, "source": true, "eval": true, "true": true, "false": true, "echo": true, "printf": true,
	"test": true, "[": true, "cd": true, "export": true, "set": true, "if": true, "for": true, "while": true, "{": true,
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// configFile is the shared config file, for messages.
func configFile() string {
	if f := os.Getenv("AWS_CONFIG_FILE"); f != "" {
		return f
	}
	return "~/.aws/config"
}
