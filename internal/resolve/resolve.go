// Package resolve decides, from Claude Code's settings files, the
// environment and explicit choices, what awsfresh works with: the profile,
// the login and export commands (skipping ones that invoke awsfresh
// itself), the deadline, the environment of the commands it runs, the
// options of the in-process SDK chain, and which of these may not be used
// yet and why (an untrusted project value, a settings file that cannot be
// read). The command line and the Go library both use it, so they resolve
// the same way. It runs nothing.
//
// Refusals are decided here but bite only where the value is used: a call
// served from the cache runs no command, so an untrusted project command
// or a broken settings file that only such a command would need does not
// fail it.
package resolve

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"
)

// Environment variables awsfresh reads or sets.
const (
	EnvTimeout        = "AWSFRESH_TIMEOUT"
	EnvRefreshCommand = "AWSFRESH_REFRESH_COMMAND"
	EnvExportCommand  = "AWSFRESH_EXPORT_COMMAND"
	// EnvNested marks the commands awsfresh runs, so that an awsfresh they
	// start knows not to run a login command again.
	EnvNested = "AWSFRESH_NESTED"
	// EnvProfile names the profile `awsfresh exec` serves to its program,
	// which loses AWS_PROFILE: an awsfresh started inside describes and
	// serves that profile.
	EnvProfile = "AWSFRESH_PROFILE"
)

// DefaultTimeout is the SPEC's deadline for every command awsfresh runs.
const DefaultTimeout = 3 * time.Minute

// Input is what the caller knows before the settings are read.
type Input struct {
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Environ is the base environment of child commands; nil means
	// os.Environ().
	Environ []string
	// Self is the running executable, for the self-invocation guard.
	Self string

	// Settings discovery; see settings.LoadOptions.
	ProjectDir, HomeDir, ConfigDir string
	SettingsFiles                  []string
	ManagedPaths                   []string

	// Explicit choices, which win over everything: --profile, --timeout,
	// --command (Login or Export, whichever the caller means).
	Profile       string
	Timeout       time.Duration
	LoginCommand  string
	ExportCommand string
	// CommandFrom names where the explicit commands came from, for
	// messages ("--command"); "" means "explicit".
	CommandFrom string

	// TrustStore records the project settings files the user trusted; nil
	// means settings.DefaultTrustStore(). It is read only when a project
	// value needs trust.
	TrustStore *settings.TrustStore
	// SSOLogin is what logs in to an SSO profile when no login command is
	// configured; the zero value is the built-in sign-in.
	SSOLogin SSOLogin
}

// SSOLogin says what logs in to an IAM Identity Center profile that has no
// login command configured.
type SSOLogin int

// The choices.
const (
	SSOLoginBuiltin SSOLogin = iota // awsfresh's own sign-in (`awsfresh login`)
	SSOLoginAWSCLI                  // aws sso login --profile P
	SSOLoginNone                    // none: a login that is needed is an error
)

// Command is a resolved command and where it came from.
type Command struct {
	Line  string
	From  string          // "--command", "AWSFRESH_REFRESH_COMMAND", "awsAuthRefresh in FILE", "SSO profile P"
	Value *settings.Value // set when it came from a settings file
	// Refused is why the command may not run, or nil: it comes from a
	// project file the user has not trusted (*settings.UntrustedError), the
	// environment it would run with holds such a value, or a settings file
	// that might set its environment cannot be read.
	Refused error

	// Builtin marks awsfresh's own IAM Identity Center sign-in, run in
	// process; Line is then what a person runs for it by hand.
	Builtin bool
}

// Result is everything decided.
type Result struct {
	Settings    *settings.Settings
	Profile     string
	ProfileFrom string
	ProfileInfo source.Profile
	Timeout     time.Duration
	Login       *Command // nil when none
	Export      *Command // nil: the SDK chain
	// Skipped lists commands left out because they run awsfresh itself.
	Skipped []string
	// ChildEnv is the environment of the commands awsfresh runs.
	ChildEnv []string
	// Nested is set when this process was started by a command awsfresh
	// runs: it must not run a login command.
	Nested bool
	// SDKOptions apply the settings' env to the in-process SDK chain.
	SDKOptions []func(*config.LoadOptions) error

	// EnvRefused is why nothing may run with the settings' env (ChildEnv,
	// the program of exec), or nil: a project env entry the user has not
	// trusted, or a settings file that cannot be read (it might set any
	// name).
	EnvRefused error
	// SourceRefused is why credentials may not be retrieved — from the
	// export command (Export.Refused) or, without one, the SDK chain (a
	// settings file it would read is untrusted or unreadable) — or nil.
	// Credentials already cached may still be served.
	SourceRefused error
}

// Refused returns the first reason the login command or the credential
// source may not be used, or nil, for callers that decide up front.
func (r *Result) Refused() error {
	if r.Login != nil && r.Login.Refused != nil {
		return r.Login.Refused
	}
	return r.SourceRefused
}

// TimeoutError reports an unusable AWSFRESH_TIMEOUT.
type TimeoutError struct{ Value string }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s=%q is not a positive Go duration such as 90s or 3m", EnvTimeout, e.Value)
}

// Resolve reads the settings and decides. Its errors are the settings
// package's (a --settings file that cannot be used; a settings file that
// cannot be read when it might choose the profile), *TimeoutError, or a
// profile that cannot be read. Untrusted values and other unusable files
// are not errors here: they set the Refused fields.
func Resolve(ctx context.Context, in Input) (*Result, error) {
	getenv := in.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	s, err := settings.Load(settings.LoadOptions{
		ProjectDir:   in.ProjectDir,
		HomeDir:      in.HomeDir,
		ConfigDir:    in.ConfigDir,
		Extra:        in.SettingsFiles,
		ManagedPaths: in.ManagedPaths,
	})
	if err != nil {
		return nil, err
	}
	r := &Result{Settings: s, Nested: getenv(EnvNested) != ""}
	store, storeErr := in.TrustStore, error(nil)
	if store == nil {
		store, storeErr = settings.DefaultTrustStore()
	}
	trusted := func(values ...*settings.Value) error {
		if storeErr != nil && slices.ContainsFunc(values, (*settings.Value).NeedsTrust) {
			return storeErr
		}
		return s.CheckTrust(store, values...)
	}
	// A file that cannot be used might set anything: whatever reads the
	// settings below it in precedence cannot be decided.
	brokenAbove := func(f *settings.File) error {
		for _, g := range s.Files {
			if g == f {
				return nil
			}
			if g.Err != nil {
				return g.Err
			}
		}
		return nil
	}
	broken := brokenAbove(nil)

	switch {
	case in.Profile != "":
		r.Profile, r.ProfileFrom = in.Profile, "--profile"
	case getenv("AWS_PROFILE") != "":
		r.Profile, r.ProfileFrom = getenv("AWS_PROFILE"), "AWS_PROFILE"
	case getenv(EnvProfile) != "":
		r.Profile, r.ProfileFrom = getenv(EnvProfile), EnvProfile+" (set by awsfresh exec)"
	case s.Env["AWS_PROFILE"].Value != "":
		v := s.Env["AWS_PROFILE"]
		if err := brokenAbove(v.File); err != nil {
			return nil, err
		}
		r.Profile, r.ProfileFrom = v.Value, "env.AWS_PROFILE in "+v.File.Path
	default:
		if broken != nil {
			return nil, broken
		}
		r.Profile, r.ProfileFrom = "default", "default"
	}

	r.Timeout = DefaultTimeout
	switch v := getenv(EnvTimeout); {
	case in.Timeout > 0:
		r.Timeout = in.Timeout
	case v != "":
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, &TimeoutError{Value: v}
		}
		r.Timeout = d
	}

	// The in-process SDK chain sees the settings' env too, once trusted.
	r.SourceRefused = broken
	for _, e := range []struct {
		name string
		opt  func(string) func(*config.LoadOptions) error
	}{
		{"AWS_REGION", func(v string) func(*config.LoadOptions) error { return config.WithRegion(v) }},
		{"AWS_CONFIG_FILE", func(v string) func(*config.LoadOptions) error { return config.WithSharedConfigFiles([]string{v}) }},
		{"AWS_SHARED_CREDENTIALS_FILE", func(v string) func(*config.LoadOptions) error {
			return config.WithSharedCredentialsFiles([]string{v})
		}},
	} {
		v, ok := s.Env[e.name]
		if !ok || v.Value == "" {
			continue
		}
		if err := trusted(&v); err != nil {
			r.SourceRefused = cmp.Or(r.SourceRefused, err)
			continue
		}
		r.SDKOptions = append(r.SDKOptions, e.opt(v.Value))
	}
	if r.ProfileInfo, err = source.LoadProfile(ctx, r.Profile, r.SDKOptions...); err != nil {
		return nil, err
	}
	base := in.Environ
	if base == nil {
		base = os.Environ()
	}
	r.ChildEnv = r.childEnv(base)

	explicitFrom := in.CommandFrom
	if explicitFrom == "" {
		explicitFrom = "explicit"
	}
	logins := []Command{
		{Line: in.LoginCommand, From: explicitFrom},
		{Line: getenv(EnvRefreshCommand), From: EnvRefreshCommand},
		fromSetting(s.AuthRefresh),
	}
	if r.ProfileInfo.IsSSO() {
		switch in.SSOLogin {
		case SSOLoginBuiltin:
			logins = append(logins, Command{Line: SignInCommand(r.Profile), From: "SSO profile " + r.Profile, Builtin: true})
		case SSOLoginAWSCLI:
			logins = append(logins, Command{Line: AWSCLILoginCommand(r.Profile), From: "SSO profile " + r.Profile})
		}
	}
	r.Login = r.pick(logins, in.Self)
	r.Export = r.pick([]Command{
		{Line: in.ExportCommand, From: explicitFrom},
		{Line: getenv(EnvExportCommand), From: EnvExportCommand},
		fromSetting(s.CredentialExport),
	}, in.Self)

	// What runs gets the whole settings env (ChildEnv).
	r.EnvRefused = cmp.Or(broken, trusted(s.EnvValues()...))
	for _, c := range []*Command{r.Login, r.Export} {
		if c != nil {
			c.Refused = cmp.Or(broken, trusted(c.Value), r.EnvRefused)
		}
	}
	if r.Export != nil {
		r.SourceRefused = r.Export.Refused
	}
	return r, nil
}

// SignInCommand is how a person runs the built-in sign-in by hand.
func SignInCommand(profile string) string {
	return "awsfresh login --profile " + creds.ShellQuote(profile)
}

// AWSCLILoginCommand is the AWS CLI's sign-in for profile.
func AWSCLILoginCommand(profile string) string {
	return "aws sso login --profile " + creds.ShellQuote(profile)
}

// pick returns the first usable command, skipping those that run awsfresh
// itself (never recursed into).
func (r *Result) pick(candidates []Command, self string) *Command {
	for _, c := range candidates {
		if strings.TrimSpace(c.Line) == "" {
			continue
		}
		if !c.Builtin && InvokesAwsfresh(c.Line, self) {
			r.Skipped = append(r.Skipped, fmt.Sprintf("%s from %s (it runs awsfresh itself)", c.Line, c.From))
			continue
		}
		return &c
	}
	return nil
}

func fromSetting(v *settings.Value) Command {
	if v == nil {
		return Command{}
	}
	return Command{Line: v.Value, From: v.Key + " in " + v.File.Path, Value: v}
}

// childEnv is the environment of the commands awsfresh runs: base, with
// the settings' env on top, the profile, and the nesting marker.
func (r *Result) childEnv(base []string) []string {
	env := map[string]string{}
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range r.Settings.Env {
		env[k] = v.Value
	}
	env["AWS_PROFILE"] = r.Profile
	env[EnvNested] = "1"
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
