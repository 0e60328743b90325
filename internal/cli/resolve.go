package cli

import (
	"context"
	"errors"
	"os"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
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
	in, err := a.resolveInput(ro)
	if err != nil {
		return nil, err
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

// resolveInput is what this invocation resolves with: the global flags,
// the environment and the working directory.
func (a *app) resolveInput(ro resolveOptions) (resolve.Input, error) {
	if a.flags.timeout < 0 {
		return resolve.Input{}, usageError{errors.New("--timeout must be positive")}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return resolve.Input{}, err
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
	return in, nil
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
	timeout := r.Timeout
	if r.Export == nil {
		timeout = min(r.Timeout, source.DefaultSDKTimeout)
	}
	src := r.CredentialSource(timeout)
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
	}
	if adjust != nil {
		adjust(&opts)
	}
	return engine.New(opts)
}
