package cli

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
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
	// report: show a wrong profile configuration instead of failing on it
	// (status); a profile that does not exist fails either way.
	report bool
}

// resolveUnchecked reads settings and decides profile, commands, timeout
// and the environment of child commands (resolve also checks the profile).
func (a *app) resolveUnchecked(ctx context.Context, ro resolveOptions) (*resolved, error) {
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
		return nil, &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
	}
	for _, s := range res.Skipped {
		a.debugf("skipping %s", s)
	}
	for _, w := range res.Settings.Ignored {
		a.warnf("%v", w)
	}
	for _, f := range res.Settings.Broken() {
		a.brokenSettings = append(a.brokenSettings, f.Err)
	}
	a.resolved = &resolved{Result: res}
	return a.resolved, nil
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
		CommandFrom:   commandFlag,
	}
	if ro.forExport {
		in.ExportCommand = ro.commandFlag
	} else {
		in.LoginCommand = ro.commandFlag
	}
	return in, nil
}

// flushBrokenSettings warns of the settings files the call could not use
// and did not need, once: a file whose error is among errLines (the
// call's error) is not repeated.
func (a *app) flushBrokenSettings(errLines []string) {
	said := strings.Join(errLines, "\n")
	seen := map[string]bool{}
	for _, err := range a.brokenSettings {
		msg := err.Error()
		if seen[msg] || strings.Contains(said, msg) {
			continue
		}
		seen[msg] = true
		a.warnf("%s; it was skipped, as this call needed nothing it could set", msg)
	}
	a.brokenSettings = nil
}

// refused turns the reason a value may not be used (resolve's Refused
// fields) into the error the command ends with.
func refused(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
}

// refusedSource stands in for a credential source that may not be used
// yet: credentials it cached before are still served under its key, but
// retrieving new ones fails with the reason.
type refusedSource struct {
	source.Source
	err error
}

func (s refusedSource) Retrieve(context.Context) (creds.Credentials, error) {
	return creds.Credentials{}, s.err
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
	if r.SourceRefused != nil {
		src = refusedSource{Source: src, err: r.SourceRefused}
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
		opts.Login = &engine.Login{Command: r.Login.Line, Env: r.ChildEnv, Timeout: r.Timeout, Output: a.io.Stderr, Refused: r.Login.Refused}
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
