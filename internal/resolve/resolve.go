// Package resolve decides, from Claude Code's settings files, the
// environment and explicit choices, what awsfresh works with: the profile,
// the login and export commands (skipping ones that invoke awsfresh
// itself), the deadline, the environment of the commands it runs, and the
// options of the in-process SDK chain. The command line and the Go library
// both use it, so they resolve the same way. It runs nothing.
package resolve

import (
	"context"
	"fmt"
	"os"
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
}

// TimeoutError reports an unusable AWSFRESH_TIMEOUT.
type TimeoutError struct{ Value string }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s=%q is not a positive Go duration such as 90s or 3m", EnvTimeout, e.Value)
}

// Resolve reads the settings and decides. Its errors are the settings
// package's (malformed files name file, line and column), *TimeoutError,
// or a profile that cannot be read.
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

	switch {
	case in.Profile != "":
		r.Profile, r.ProfileFrom = in.Profile, "--profile"
	case getenv("AWS_PROFILE") != "":
		r.Profile, r.ProfileFrom = getenv("AWS_PROFILE"), "AWS_PROFILE"
	case s.Env["AWS_PROFILE"].Value != "":
		v := s.Env["AWS_PROFILE"]
		r.Profile, r.ProfileFrom = v.Value, "env.AWS_PROFILE in "+v.File.Path
	default:
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

	// The in-process SDK chain sees the settings' env too.
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
		if v := s.Env[e.name].Value; v != "" {
			r.SDKOptions = append(r.SDKOptions, e.opt(v))
		}
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
		if !c.Builtin && settings.InvokesAwsfresh(c.Line, self) {
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

// CheckTrust refuses commands from a project's settings that the user has
// not trusted yet (*settings.UntrustedError), and env values from them that
// decide what code runs or where credentials go (PATH, LD_PRELOAD,
// BASH_ENV, AWS_CONFIG_FILE, AWS_ENDPOINT_URL…): a repository must not
// steer the user's own login command either. store nil means the default
// trust store, opened only when needed.
func (r *Result) CheckTrust(store *settings.TrustStore, cmds ...*Command) error {
	names := make([]string, 0, len(r.Settings.Env))
	for k := range r.Settings.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if v := r.Settings.Env[k]; v.File.Scope.NeedsTrust() && SensitiveEnv(k) {
			cmds = append(cmds, &Command{Line: v.Value, Value: &v})
		}
	}
	for _, c := range cmds {
		if c == nil || c.Value == nil || !c.Value.File.Scope.NeedsTrust() {
			continue
		}
		if store == nil {
			var err error
			if store, err = settings.DefaultTrustStore(); err != nil {
				return err
			}
		}
		if err := r.Settings.CheckTrust(store, c.Value); err != nil {
			return err
		}
	}
	return nil
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

// SensitiveEnv reports whether an environment variable decides what code
// runs or where AWS requests and credentials go.
func SensitiveEnv(name string) bool {
	switch name {
	case "PATH", "BASH_ENV", "ENV", "PS4", "SHELLOPTS", "BASHOPTS", "IFS", "PROMPT_COMMAND", "NODE_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY":
		return true
	}
	for _, prefix := range []string{"LD_", "DYLD_", "AWS_ENDPOINT_URL", "AWSFRESH_", "AWS_CONTAINER_"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}
