package cli

import (
	"context"
	"errors"
	"os"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// resolved is what a command works with: the shared resolution (package
// resolve) and what only this invocation knows.
type resolved struct {
	*resolve.Result
	// needSessionToken: the consumer refuses long-term keys (Claude Code).
	needSessionToken bool
}

// resolveOptions says which commands this invocation may need.
type resolveOptions struct {
	commandFlag string // --command of refresh or export
	forExport   bool   // --command names the export command, not the login command
}

// resolve reads settings and decides profile, commands, timeout and the
// environment of child commands.
func (a *app) resolve(ctx context.Context, ro resolveOptions) (*resolved, error) {
	if a.flags.timeout < 0 {
		return nil, usageError{errors.New("--timeout must be positive")}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	self, _ := os.Executable()
	in := resolve.Input{
		Getenv:        a.io.Getenv,
		Environ:       a.io.Environ(),
		Self:          self,
		ProjectDir:    cwd,
		HomeDir:       a.io.Getenv("HOME"),
		ConfigDir:     a.io.Getenv("CLAUDE_CONFIG_DIR"),
		SettingsFiles: a.flags.settings,
		Profile:       a.flags.profile,
		Timeout:       a.flags.timeout,
		CommandFrom:   "--command",
	}
	if ro.forExport {
		in.ExportCommand = ro.commandFlag
	} else {
		in.LoginCommand = ro.commandFlag
	}
	res, err := resolve.Resolve(ctx, in)
	var te *resolve.TimeoutError
	switch {
	case errors.As(err, &te):
		return nil, usageError{err}
	case err != nil:
		return nil, &exitError{code: wording.ExitUsage, lines: []string{"Error: " + err.Error()}}
	}
	for _, s := range res.Skipped {
		a.debugf("skipping %s", s)
	}
	return &resolved{Result: res}, nil
}

// checkTrust refuses commands from a project's settings the user has not
// trusted yet.
func (r *resolved) checkTrust(cmds ...*resolve.Command) error {
	if err := r.CheckTrust(nil, cmds...); err != nil {
		return &exitError{code: wording.ExitUsage, lines: []string{"Error: " + err.Error()}}
	}
	return nil
}

// newEngine builds the engine for the resolved profile.
func (a *app) newEngine(r *resolved, onEvent func(engine.Event)) (*engine.Engine, error) {
	return a.newEngineWith(r, onEvent, nil)
}

// newEngineWith is newEngine with a last say on the options.
func (a *app) newEngineWith(r *resolved, onEvent func(engine.Event), adjust func(*engine.Options)) (*engine.Engine, error) {
	var src source.Source
	if r.Export != nil {
		src = &source.Command{Command: r.Export.Line, Env: r.ChildEnv, Timeout: r.Timeout, RegionName: r.ProfileInfo.Region}
	} else {
		src = &source.SDKChain{Profile: r.Profile, LoadOptions: r.SDKOptions, Timeout: min(r.Timeout, source.DefaultSDKTimeout)}
	}
	if r.needSessionToken {
		src = &source.SessionToken{Base: src}
	}
	opts := engine.Options{
		Profile: r.Profile,
		Source:  src,
		Nested:  r.Nested,
		OnEvent: onEvent,
	}
	if r.Login != nil {
		opts.Login = &engine.Login{Command: r.Login.Line, Env: r.ChildEnv, Timeout: r.Timeout, Output: a.io.Stderr}
		if r.Login.Builtin {
			so := a.signInOptions(r)
			opts.Login.Builtin = ssologin.Builtin(so)
			c := ssologin.Choose(so.Machine, so.Session, false, false)
			a.debugf("login: the built-in IAM Identity Center sign-in (%s); sign-in flow: %s — %s", r.Login.Line, c.Flow, c.Reason)
		}
	}
	if adjust != nil {
		adjust(&opts)
	}
	return engine.New(opts)
}
