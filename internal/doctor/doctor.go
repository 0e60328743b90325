package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"

	"github.com/awsfresh/awsfresh/internal/termtext"
)

// Status is a check's outcome.
type Status string

// The statuses, from good to bad. Skipped means the check did not apply or
// could not run (a check it depends on failed, or --offline); it never
// counts as a problem.
const (
	OK      Status = "ok"
	Skipped Status = "skipped"
	Warning Status = "warning"
	Problem Status = "problem"
)

// The check ids. They are stable: scripts read them from `doctor --json`.
const (
	IDProfileExists    = "profile.exists"
	IDProfileKind      = "profile.kind"
	IDProfileRegion    = "profile.region"
	IDShadowEnvKeys    = "shadow.env-keys"
	IDShadowAWSProfile = "shadow.aws-profile"
	IDShadowDefault    = "shadow.default-profile"
	IDSSOSession       = "sso.session"
	IDCredentials      = "credentials.obtain"
	IDVerify           = "credentials.verify"
	IDClock            = "clock.skew"
	IDBedrockEndpoint  = "bedrock.endpoint"
	IDBedrockModel     = "bedrock.model"
	IDClaudeSettings   = "claude.settings"
	IDClaudeBedrock    = "claude.bedrock"
	IDClaudeRegion     = "claude.region"
	IDClaudeRefresh    = "claude.refresh"
	IDClaudeExport     = "claude.export"
	IDClaudeStaticKeys = "claude.static-keys"
	IDClaudeTrust      = "claude.trust"
	IDLoginCommand     = "login.command"
)

// IDs returns every check id, in the order of the report. Every report
// has each of them exactly once.
func IDs() []string {
	return []string{
		IDProfileExists, IDProfileKind, IDProfileRegion,
		IDShadowEnvKeys, IDShadowAWSProfile, IDShadowDefault,
		IDSSOSession, IDCredentials, IDVerify, IDClock,
		IDBedrockEndpoint, IDBedrockModel,
		IDClaudeSettings, IDClaudeBedrock, IDClaudeRegion, IDClaudeRefresh, IDClaudeExport, IDClaudeStaticKeys, IDClaudeTrust,
		IDLoginCommand,
	}
}

// Check is one check's result.
type Check struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Message string `json:"message"`       // one line: what was found
	Fix     string `json:"fix,omitempty"` // what to do, for warnings and problems
}

// Report is the outcome of a run.
type Report struct {
	Profile     string  `json:"profile"`
	ProfileFrom string  `json:"profileFrom"`
	Region      string  `json:"region,omitempty"` // the region Claude Code would use
	Offline     bool    `json:"offline"`
	Checks      []Check `json:"checks"`
}

// Count returns how many checks have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Deadlines bound the checks that talk to AWS or run a command.
type Deadlines struct {
	Credentials time.Duration // getting credentials: the SDK chain or the export command
	Verify      time.Duration // STS GetCallerIdentity
	Model       time.Duration // the Bedrock InvokeModel request
	Endpoint    time.Duration // the unauthenticated request to the Bedrock endpoint
}

// DefaultDeadlines are the deadlines of `awsfresh doctor`.
func DefaultDeadlines() Deadlines {
	return Deadlines{Credentials: 8 * time.Second, Verify: 5 * time.Second, Model: 5 * time.Second, Endpoint: 3 * time.Second}
}

// Bound is about the longest the network checks take when AWS never
// answers: the endpoint request runs beside the others, verification
// beside the model request once credentials are there, and an export
// command gets its grace period to stop.
func (d Deadlines) Bound() time.Duration {
	return max(d.Endpoint, d.Credentials+runcmd.DefaultGrace+max(d.Verify, d.Model))
}

// Options says what to check.
type Options struct {
	// Resolve is what the command line resolves its settings, profile and
	// commands with. When it names no profile and neither the environment
	// nor the settings' env do, the profile of the settings' awsfresh
	// commands is checked (what Claude Code uses), else "default".
	Resolve resolve.Input
	// Offline skips the requests signed with the credentials (STS, Bedrock
	// InvokeModel). Credentials are still obtained as export would.
	Offline bool
	// Deadlines; zero fields take DefaultDeadlines' values.
	Deadlines Deadlines
	// TrustStore is where trust is recorded; nil means the default store.
	TrustStore *settings.TrustStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Run runs every check. Its only error is a usage error (an unusable
// AWSFRESH_TIMEOUT); everything else is a check's finding.
func Run(ctx context.Context, opts Options) (*Report, error) {
	d := &doctor{opts: opts, checks: map[string]Check{}}
	def := DefaultDeadlines()
	dl := &d.opts.Deadlines
	dl.Credentials = cmp.Or(dl.Credentials, def.Credentials)
	dl.Verify = cmp.Or(dl.Verify, def.Verify)
	dl.Model = cmp.Or(dl.Model, def.Model)
	dl.Endpoint = cmp.Or(dl.Endpoint, def.Endpoint)
	if d.opts.Now == nil {
		d.opts.Now = time.Now
	}
	d.getenv = opts.Resolve.Getenv
	if d.getenv == nil {
		d.getenv = os.Getenv
	}
	if err := d.resolve(ctx); err != nil {
		return nil, err
	}
	d.localChecks(ctx)
	d.networkChecks(ctx)

	rep := &Report{Profile: d.profile.Name, ProfileFrom: d.profileFrom, Region: d.claudeRegion(), Offline: opts.Offline}
	for _, id := range IDs() {
		c, ok := d.checks[id]
		if !ok { // every id is reported, so scripts can rely on it
			c = Check{ID: id, Status: Skipped, Message: "not checked"}
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep, nil
}

// doctor is one run's state.
type doctor struct {
	opts   Options
	getenv func(string) string

	mu     sync.Mutex // the network checks report concurrently
	checks map[string]Check

	res         *resolve.Result // nil when the settings could not be read
	settingsErr error
	profile     source.Profile
	profileFrom string
	profileErr  error // the profile could not be read
}

func (d *doctor) set(id string, s Status, msg, fix string) {
	if s == OK || s == Skipped {
		fix = ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checks[id] = Check{ID: id, Status: s, Message: termtext.Escape(msg), Fix: termtext.Escape(fix)}
}

func (d *doctor) ok(id, format string, args ...any) { d.set(id, OK, fmt.Sprintf(format, args...), "") }
func (d *doctor) skip(id, format string, args ...any) {
	d.set(id, Skipped, fmt.Sprintf(format, args...), "")
}

// resolve reads settings, profile and commands as the other commands do.
// A settings file that cannot be read is a finding, not an error: the
// profile is then chosen without the settings.
func (d *doctor) resolve(ctx context.Context) error {
	in := d.opts.Resolve
	res, err := ResolveForClaude(ctx, in)
	var te *resolve.TimeoutError
	switch {
	case errors.As(err, &te):
		return err
	case err == nil:
		d.res, d.profile, d.profileFrom = res, res.ProfileInfo, res.ProfileFrom
		if broken := res.Settings.Broken(); len(broken) > 0 {
			d.settingsErr = broken[0].Err
		}
		return nil
	case settings.IsSettingsError(err):
		d.settingsErr = err
	default:
		d.profileErr = err
	}
	// Without settings: --profile, AWS_PROFILE, else default.
	name, from := "default", "default"
	switch {
	case in.Profile != "":
		name, from = in.Profile, "--profile"
	case d.getenv("AWS_PROFILE") != "":
		name, from = d.getenv("AWS_PROFILE"), "AWS_PROFILE"
	}
	d.profile, d.profileFrom = source.Profile{Name: name}, from
	if d.profileErr == nil {
		d.profile, d.profileErr = source.LoadProfile(ctx, name)
	}
	return nil
}

// ResolveForClaude resolves as [resolve.Resolve] does, except that when
// nothing names a profile (no --profile, AWS_PROFILE or env.AWS_PROFILE),
// the profile is the one Claude Code's awsfresh commands use, if they name
// one, rather than "default".
func ResolveForClaude(ctx context.Context, in resolve.Input) (*resolve.Result, error) {
	res, err := resolve.Resolve(ctx, in)
	if err != nil || res.ProfileFrom != "default" {
		return res, err
	}
	p, from := commandsProfile(res, in.Self)
	if p == "" || p == res.Profile {
		return res, nil
	}
	in.Profile = p
	again, err := resolve.Resolve(ctx, in)
	if err != nil {
		return res, nil
	}
	again.ProfileFrom = from
	return again, nil
}

// commandsProfile is the --profile of the settings' awsfresh commands
// (awsCredentialExport first): the profile Claude Code uses.
func commandsProfile(res *resolve.Result, self string) (profile, from string) {
	for _, v := range []*settings.Value{res.Settings.CredentialExport, res.Settings.AuthRefresh} {
		if v == nil {
			continue
		}
		if c, ok := resolve.ParseAwsfreshCommand(v.Value, self); ok && c.Profile != "" {
			return c.Profile, "--profile of " + v.Key + " in " + v.File.Path
		}
	}
	return "", ""
}

// settingsEnv returns the settings' env value of name ("" when unset or
// the settings could not be read) and the file it came from.
func (d *doctor) settingsEnv(name string) (string, *settings.File) {
	if d.res == nil {
		return "", nil
	}
	v, ok := d.res.Settings.Env[name]
	if !ok {
		return "", nil
	}
	return v.Value, v.File
}

// claudeEnv is the value Claude Code sees for name: its settings' env wins
// over the environment it was started in.
func (d *doctor) claudeEnv(name string) string {
	if v, f := d.settingsEnv(name); f != nil {
		return v
	}
	return d.getenv(name)
}

// claudeRegion is where Claude Code sends Bedrock requests, and where the
// doctor checks Bedrock: AWS_REGION, AWS_DEFAULT_REGION, else the
// profile's region.
func (d *doctor) claudeRegion() string {
	return cmp.Or(d.claudeEnv("AWS_REGION"), d.claudeEnv("AWS_DEFAULT_REGION"), d.profile.Region)
}

// loginFix is the command that logs the profile in again, bounded.
func (d *doctor) loginFix() string {
	return "awsfresh refresh --profile " + creds.ShellQuote(d.profile.Name)
}

// setupFix is the command that writes Claude Code's settings.
func (d *doctor) setupFix() string {
	s := "awsfresh setup claude --profile " + creds.ShellQuote(d.profile.Name)
	if d.profile.Region == "" && d.claudeRegion() == "" {
		s += " --region REGION"
	}
	return s
}

// Truthy is how Claude Code reads a boolean environment variable such as
// CLAUDE_CODE_USE_BEDROCK.
func Truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// bedrockSeverity is how bad a Bedrock failure is: a problem when Claude
// Code is set to use Bedrock, a warning otherwise (awsfresh may serve
// something else entirely).
func (d *doctor) bedrockSeverity() Status {
	if Truthy(d.claudeEnv("CLAUDE_CODE_USE_BEDROCK")) {
		return Problem
	}
	return Warning
}

// redact makes an error from AWS or a command safe to show.
func redact(err error) string {
	s := creds.Redact(err.Error())
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
