package cli

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/creds"
	"github.com/awsfresh/awsfresh/engine"
	"github.com/awsfresh/awsfresh/settings"
	"github.com/awsfresh/awsfresh/source"
)

// Environment variables awsfresh reads or sets.
const (
	envTimeout        = "AWSFRESH_TIMEOUT"
	envRefreshCommand = "AWSFRESH_REFRESH_COMMAND"
	envExportCommand  = "AWSFRESH_EXPORT_COMMAND"
	// envNested marks the commands awsfresh runs, so an awsfresh they start
	// knows not to run a login command again.
	envNested = "AWSFRESH_NESTED"
)

const defaultTimeout = 3 * time.Minute

// command is a resolved login or export command and where it came from.
type command struct {
	line  string
	from  string          // "--command", "AWSFRESH_REFRESH_COMMAND", a settings file, "SSO profile default"
	value *settings.Value // set when it came from a settings file
}

// resolved is everything a command needs to know, decided once.
type resolved struct {
	settings    *settings.Settings
	profile     string
	profileFrom string
	profileInfo source.Profile
	timeout     time.Duration
	login       *command // nil when none
	export      *command // nil: the SDK chain
	skipped     []string // self-invocations left out, for --debug and status
	childEnv    []string // environment of the commands awsfresh runs
	nested      bool
	// needSessionToken: the consumer refuses long-term keys (Claude Code).
	needSessionToken bool
	sdkOptions       []func(*config.LoadOptions) error
}

// resolveOptions says which commands this invocation may need.
type resolveOptions struct {
	commandFlag string // --command of refresh or export
	forExport   bool   // --command names the export command, not the login command
}

// resolve reads settings and decides profile, commands, timeout and the
// environment of child commands.
func (a *app) resolve(ctx context.Context, ro resolveOptions) (*resolved, error) {
	getenv := a.io.Getenv
	r := &resolved{nested: getenv(envNested) != ""}

	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	r.settings, err = settings.Load(settings.LoadOptions{
		ProjectDir: cwd,
		HomeDir:    getenv("HOME"),
		ConfigDir:  getenv("CLAUDE_CONFIG_DIR"),
		Extra:      a.flags.settings,
	})
	if err != nil {
		return nil, &exitError{code: 2, lines: []string{"Error: " + err.Error()}}
	}

	switch {
	case a.flags.profile != "":
		r.profile, r.profileFrom = a.flags.profile, "--profile"
	case getenv("AWS_PROFILE") != "":
		r.profile, r.profileFrom = getenv("AWS_PROFILE"), "AWS_PROFILE"
	case r.settings.Env["AWS_PROFILE"].Value != "":
		v := r.settings.Env["AWS_PROFILE"]
		r.profile, r.profileFrom = v.Value, "env.AWS_PROFILE in "+v.File.Path
	default:
		r.profile, r.profileFrom = "default", "default"
	}

	r.timeout = defaultTimeout
	switch {
	case a.flags.timeout > 0:
		r.timeout = a.flags.timeout
	case a.flags.timeout < 0:
		return nil, usageError{fmt.Errorf("--timeout must be positive")}
	case getenv(envTimeout) != "":
		d, err := time.ParseDuration(getenv(envTimeout))
		if err != nil || d <= 0 {
			return nil, usageError{fmt.Errorf("%s=%q is not a positive Go duration such as 90s or 3m", envTimeout, getenv(envTimeout))}
		}
		r.timeout = d
	}

	// The in-process SDK chain sees the settings' env too.
	for k, opt := range map[string]func(string) func(*config.LoadOptions) error{
		"AWS_REGION":                  func(v string) func(*config.LoadOptions) error { return config.WithRegion(v) },
		"AWS_CONFIG_FILE":             func(v string) func(*config.LoadOptions) error { return config.WithSharedConfigFiles([]string{v}) },
		"AWS_SHARED_CREDENTIALS_FILE": func(v string) func(*config.LoadOptions) error { return config.WithSharedCredentialsFiles([]string{v}) },
	} {
		if v, ok := r.settings.Env[k]; ok && v.Value != "" {
			r.sdkOptions = append(r.sdkOptions, opt(v.Value))
		}
	}
	r.profileInfo, err = source.LoadProfile(ctx, r.profile, r.sdkOptions...)
	if err != nil {
		return nil, &exitError{code: 2, lines: []string{"Error: " + err.Error()}}
	}

	r.childEnv = r.buildChildEnv(a.io.Environ())

	self, _ := os.Executable()
	pick := func(candidates []command) *command {
		for _, c := range candidates {
			if strings.TrimSpace(c.line) == "" {
				continue
			}
			if settings.InvokesAwsfresh(c.line, self) {
				r.skipped = append(r.skipped, fmt.Sprintf("%s from %s (it runs awsfresh itself)", c.line, c.from))
				continue
			}
			c := c
			return &c
		}
		return nil
	}
	loginFlag, exportFlag := ro.commandFlag, ""
	if ro.forExport {
		loginFlag, exportFlag = "", ro.commandFlag
	}
	logins := []command{
		{line: loginFlag, from: "--command"},
		{line: getenv(envRefreshCommand), from: envRefreshCommand},
		settingCommand(r.settings.AuthRefresh),
	}
	if r.profileInfo.IsSSO() {
		logins = append(logins, command{line: "aws sso login --profile " + creds.ShellQuote(r.profile), from: "SSO profile " + r.profile})
	}
	r.login = pick(logins)
	r.export = pick([]command{
		{line: exportFlag, from: "--command"},
		{line: getenv(envExportCommand), from: envExportCommand},
		settingCommand(r.settings.CredentialExport),
	})
	for _, s := range r.skipped {
		a.debugf("skipping %s", s)
	}
	return r, nil
}

// checkTrust refuses commands from a project's settings the user has not
// trusted yet.
func (r *resolved) checkTrust(cmds ...*command) error {
	var store *settings.TrustStore
	for _, c := range cmds {
		if c == nil || c.value == nil || !c.value.File.Scope.NeedsTrust() {
			continue
		}
		if store == nil {
			var err error
			if store, err = settings.DefaultTrustStore(); err != nil {
				return &exitError{code: 2, lines: []string{"Error: " + err.Error()}}
			}
		}
		if err := r.settings.CheckTrust(store, c.value); err != nil {
			return &exitError{code: 2, lines: []string{"Error: " + err.Error()}}
		}
	}
	return nil
}

func settingCommand(v *settings.Value) command {
	if v == nil {
		return command{}
	}
	return command{line: v.Value, from: v.Key + " in " + v.File.Path, value: v}
}

// buildChildEnv is the environment of the commands awsfresh runs: ours,
// with the settings' env on top, the profile, and the nesting marker.
func (r *resolved) buildChildEnv(base []string) []string {
	env := map[string]string{}
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range r.settings.Env {
		env[k] = v.Value
	}
	env["AWS_PROFILE"] = r.profile
	env[envNested] = "1"
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// newEngine builds the engine for the resolved profile.
func (a *app) newEngine(r *resolved, onEvent func(engine.Event)) (*engine.Engine, error) {
	return a.newEngineWith(r, onEvent, nil)
}

// newEngineWith is newEngine with a last say on the options.
func (a *app) newEngineWith(r *resolved, onEvent func(engine.Event), adjust func(*engine.Options)) (*engine.Engine, error) {
	var src source.Source
	if r.export != nil {
		src = &source.Command{Command: r.export.line, Env: r.childEnv, Timeout: r.timeout, RegionName: r.profileInfo.Region}
	} else {
		src = &source.SDKChain{Profile: r.profile, LoadOptions: r.sdkOptions}
	}
	if r.needSessionToken {
		src = &source.SessionToken{Base: src}
	}
	opts := engine.Options{
		Profile: r.profile,
		Source:  src,
		Nested:  r.nested,
		OnEvent: onEvent,
	}
	if r.login != nil {
		opts.Login = &engine.Login{Command: r.login.line, Env: r.childEnv, Timeout: r.timeout, Output: a.io.Stderr}
	}
	if adjust != nil {
		adjust(&opts)
	}
	return engine.New(opts)
}
