package awsfresh

import (
	"context"
	"fmt"
	"os"

	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/settings"
)

// SettingsOptions configures [FromSettings].
type SettingsOptions struct {
	// Options holds what the settings do not decide — CacheDir,
	// LoginOutput, Logger, OnEvent — and explicit values that win over the
	// settings: Profile, LoginCommand, ExportCommand, Timeout.
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
//   - profile: opts.Profile, $AWS_PROFILE, $AWSFRESH_PROFILE (the profile
//     `awsfresh exec` serves to its program), the settings'
//     env.AWS_PROFILE, then "default";
//   - login command: opts.LoginCommand, $AWSFRESH_REFRESH_COMMAND, the
//     awsAuthRefresh setting, and for an IAM Identity Center profile the
//     login opts.SSOLogin chooses (by default awsfresh's own sign-in);
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
// own settings file, or an env entry from one (other than region, profile
// and Claude Code model and feature names), is used only if the user
// trusted the file's exact content; otherwise FromSettings returns the
// *settings.UntrustedError, whose message says how to trust it. A malformed settings file is an error
// naming the file, line and column.
//
// When this process was started by a command awsfresh runs, the Provider
// never runs the login command.
func FromSettings(ctx context.Context, opts SettingsOptions) (*Provider, error) {
	self, _ := os.Executable()
	r, err := resolve.Resolve(ctx, resolve.Input{
		Environ:       opts.Env,
		Self:          self,
		ProjectDir:    opts.ProjectDir,
		SettingsFiles: opts.SettingsFiles,
		ManagedPaths:  opts.managedPaths,
		Profile:       opts.Profile,
		Timeout:       opts.Timeout,
		LoginCommand:  opts.LoginCommand,
		ExportCommand: opts.ExportCommand,
		TrustStore:    opts.TrustStore,
		SSOLogin:      opts.SSOLogin.resolve(),
	})
	if err != nil {
		return nil, fmt.Errorf("awsfresh: %w", err)
	}
	if err := r.Refused(); err != nil {
		return nil, err
	}
	c := providerConfig{Options: opts.Options, profile: r.Profile, sdkOpts: r.SDKOptions, nested: r.Nested, region: r.ProfileInfo.Region}
	c.Timeout = r.Timeout
	c.Env = r.ChildEnv
	c.LoginCommand, c.ExportCommand = "", ""
	switch {
	case r.Login != nil && r.Login.Builtin:
		c.signIn = &r.ProfileInfo.SSO
	case r.Login != nil:
		c.LoginCommand = r.Login.Line
	}
	if r.Export != nil {
		c.ExportCommand = r.Export.Line
	}
	return newProvider(c)
}
