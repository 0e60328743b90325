package awsfresh

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsfresh/awsfresh/creds"
	"github.com/awsfresh/awsfresh/settings"
)

// Environment variables FromSettings reads, as the awsfresh command does.
const (
	envTimeout        = "AWSFRESH_TIMEOUT"
	envRefreshCommand = "AWSFRESH_REFRESH_COMMAND"
	envExportCommand  = "AWSFRESH_EXPORT_COMMAND"
	// envNested marks the commands awsfresh runs; an awsfresh (or a
	// FromSettings Provider) started by one of them never runs the login
	// command itself.
	envNested = "AWSFRESH_NESTED"
)

// SettingsOptions configures [FromSettings].
type SettingsOptions struct {
	// Options holds what the settings do not decide — CacheDir,
	// LoginOutput, Logger, OnEvent, the windows — and explicit values that
	// win over the settings: Profile, LoginCommand, ExportCommand, Timeout.
	// Env is the environment the settings' env is laid over (nil means the
	// current process's).
	Options

	// ProjectDir is where the search for the project's .claude directory
	// starts; "" means the working directory.
	ProjectDir string

	// SettingsFiles are extra settings files, like awsfresh's --settings;
	// a later one wins over an earlier one. Each must exist.
	SettingsFiles []string

	// TrustStore records which project settings files the user trusted;
	// nil means awsfresh's own (settings.DefaultTrustStore), the one
	// `awsfresh trust FILE` writes.
	TrustStore *settings.TrustStore

	// managedPaths replaces the managed settings files, for tests.
	managedPaths []string
}

// FromSettings returns a Provider configured the way Claude Code and the
// awsfresh command are, from Claude Code's settings files (managed,
// SettingsFiles, the project's .claude/settings.local.json and
// .claude/settings.json, then ~/.claude/settings.json or
// $CLAUDE_CONFIG_DIR/settings.json; see package settings):
//
//   - profile: opts.Profile, $AWS_PROFILE, the settings' env.AWS_PROFILE,
//     then "default";
//   - login command: opts.LoginCommand, $AWSFRESH_REFRESH_COMMAND, the
//     awsAuthRefresh setting, and for an IAM Identity Center profile
//     "aws sso login --profile P";
//   - credentials: opts.ExportCommand, $AWSFRESH_EXPORT_COMMAND, the
//     awsCredentialExport setting, else the SDK's default chain;
//   - timeout: opts.Timeout, $AWSFRESH_TIMEOUT (a Go duration), then
//     DefaultTimeout;
//   - the commands' environment: opts.Env (or the process's) with the
//     settings' env on top, AWS_PROFILE set to the profile, and the marker
//     that keeps an awsfresh they start from running a login itself. The
//     settings' AWS_REGION, AWS_CONFIG_FILE and
//     AWS_SHARED_CREDENTIALS_FILE also apply to the SDK chain and Config.
//
// A command that runs awsfresh's own refresh or export (the usual
// awsAuthRefresh and awsCredentialExport when awsfresh is installed) is
// skipped: the Provider does that job itself. A command from a project's
// own settings file runs only if the user trusted the file's exact content;
// otherwise FromSettings returns the *settings.UntrustedError, whose
// message says how to trust it. A malformed settings file is an error
// naming the file, line and column.
//
// When this process was started by a command awsfresh runs, the Provider
// never runs the login command.
func FromSettings(ctx context.Context, opts SettingsOptions) (*Provider, error) {
	s, err := settings.Load(settings.LoadOptions{
		ProjectDir:   opts.ProjectDir,
		Extra:        opts.SettingsFiles,
		ManagedPaths: opts.managedPaths,
	})
	if err != nil {
		return nil, err
	}
	c := providerConfig{Options: opts.Options, nested: os.Getenv(envNested) != ""}

	switch {
	case opts.Profile != "":
		c.profile = opts.Profile
	case os.Getenv("AWS_PROFILE") != "":
		c.profile = os.Getenv("AWS_PROFILE")
	case s.Env["AWS_PROFILE"].Value != "":
		c.profile = s.Env["AWS_PROFILE"].Value
	default:
		c.profile = "default"
	}

	if c.Timeout == 0 {
		if v := os.Getenv(envTimeout); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("awsfresh: %s=%q is not a positive Go duration such as 90s or 3m", envTimeout, v)
			}
			c.Timeout = d
		}
	}

	sdkEnv := []struct {
		name string
		opt  func(string) func(*config.LoadOptions) error
	}{
		{"AWS_REGION", func(v string) func(*config.LoadOptions) error { return config.WithRegion(v) }},
		{"AWS_CONFIG_FILE", func(v string) func(*config.LoadOptions) error { return config.WithSharedConfigFiles([]string{v}) }},
		{"AWS_SHARED_CREDENTIALS_FILE", func(v string) func(*config.LoadOptions) error {
			return config.WithSharedCredentialsFiles([]string{v})
		}},
	}
	for _, e := range sdkEnv {
		if v := s.Env[e.name].Value; v != "" {
			c.sdkOpts = append(c.sdkOpts, e.opt(v))
		}
	}
	prof, err := loadProfile(ctx, c.profile, c.sdkOpts)
	if err != nil {
		return nil, fmt.Errorf("awsfresh: %w", err)
	}
	c.region = prof.Region
	c.Env = childEnv(opts.Env, s, c.profile)

	self, _ := os.Executable()
	pick := func(explicit, fromEnv string, setting *settings.Value, fallback string) (string, *settings.Value) {
		for _, cand := range []struct {
			line string
			v    *settings.Value
		}{{explicit, nil}, {fromEnv, nil}, {settingValue(setting), setting}, {fallback, nil}} {
			if strings.TrimSpace(cand.line) == "" || settings.InvokesAwsfresh(cand.line, self) {
				continue
			}
			return cand.line, cand.v
		}
		return "", nil
	}
	ssoDefault := ""
	if prof.IsSSO() {
		ssoDefault = "aws sso login --profile " + creds.ShellQuote(c.profile)
	}
	var loginFrom, exportFrom *settings.Value
	c.LoginCommand, loginFrom = pick(opts.LoginCommand, os.Getenv(envRefreshCommand), s.AuthRefresh, ssoDefault)
	c.ExportCommand, exportFrom = pick(opts.ExportCommand, os.Getenv(envExportCommand), s.CredentialExport, "")

	for _, v := range []*settings.Value{loginFrom, exportFrom} {
		if v == nil || !v.File.Scope.NeedsTrust() {
			continue
		}
		store := opts.TrustStore
		if store == nil {
			if store, err = settings.DefaultTrustStore(); err != nil {
				return nil, err
			}
		}
		if err := s.CheckTrust(store, v); err != nil {
			return nil, err
		}
	}
	return newProvider(c)
}

func settingValue(v *settings.Value) string {
	if v == nil {
		return ""
	}
	return v.Value
}

// childEnv is the environment of the commands the Provider runs: base (or
// the process's), the settings' env over it, the profile, and the nesting
// marker.
func childEnv(base []string, s *settings.Settings, profile string) []string {
	if base == nil {
		base = os.Environ()
	}
	env := map[string]string{}
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range s.Env {
		env[k] = v.Value
	}
	env["AWS_PROFILE"] = profile
	env[envNested] = "1"
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
