package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
)

// resolve is resolveUnchecked, then refuses a profile that cannot give
// credentials before anything runs (see profileError).
func (a *app) resolve(ctx context.Context, ro resolveOptions) (*resolved, error) {
	r, err := a.resolveUnchecked(ctx, ro)
	if err != nil {
		return nil, err
	}
	if err := r.profileError(!ro.report); err != nil {
		return nil, r.profileExit(err)
	}
	return r, nil
}

// profileError says, before anything runs, why the profile cannot give
// credentials: it is not defined, or its configuration is wrong. Only when
// the credentials come from the profile itself (the SDK chain): an export
// command's profile only names the cache, and the SDK needs no "default"
// profile (environment variables, a container or an instance role serve
// it). With configProblems false a wrong configuration is left for the
// caller to show (status).
func (r *resolved) profileError(configProblems bool) error {
	if r.Export != nil {
		return nil
	}
	p := r.ProfileInfo
	switch {
	case !p.Exists && r.Profile != "default":
		return source.ProfileNotFound(r.Profile, r.SDKOptions...)
	case p.Problem != nil && configProblems:
		return p.Problem
	}
	return nil
}

// profileExit words a profileError for the user: exit 2, what to fix.
func (r *resolved) profileExit(err error) error {
	lines := profileLines(err)
	var nf *source.NotFoundError
	if errors.As(err, &nf) && r.ProfileFrom != "--profile" {
		lines = append(lines[:1], append([]string{"The profile name comes from " + r.ProfileFrom + "."}, lines[1:]...)...)
	}
	return &exitError{code: exitUsage, lines: lines, cause: err}
}

// profileLines words the profile's errors that only the user can fix;
// nil for any other error.
func profileLines(err error) []string {
	var (
		nf   *source.NotFoundError
		conf *source.ConfigError
	)
	switch {
	case errors.As(err, &nf):
		lines := []string{"Error: " + nf.Error() + "."}
		name := creds.ShellQuote(nf.Profile)
		switch {
		case nf.Suggestion != "":
			lines = append(lines, fmt.Sprintf("Did you mean %q?", nf.Suggestion))
		case len(nf.Known) == 0:
			lines = append(lines, fmt.Sprintf("Create it with 'aws configure sso --profile %s' (IAM Identity Center) or 'aws configure --profile %s' (access keys).", name, name))
		default:
			lines = append(lines, fmt.Sprintf("Use one of those profiles, or create this one with 'aws configure sso --profile %s'.", name))
		}
		return lines
	case errors.As(err, &conf):
		return []string{"Error: " + conf.Error() + ".", "Fix: " + conf.Fix}
	}
	return nil
}

// processLines words a failed credential_process when it is the whole
// story (not the cause inside a login's failure): where it is set and
// what to run to see why. Exit 2 when the command does not exist.
func processLines(err error) (lines []string, code int, ok bool) {
	var pe *source.ProcessError
	if !errors.As(err, &pe) || errors.Is(err, engine.ErrNoLoginCommand) {
		return nil, 0, false
	}
	var (
		le    *engine.LoginError
		still *engine.StillInvalidError
	)
	if errors.As(err, &le) || errors.As(err, &still) {
		return nil, 0, false
	}
	where := fmt.Sprintf("[%s] of %s", pe.Section, source.DisplayPath(pe.File))
	reason := pe.Reason()
	if strings.HasSuffix(reason, "exit status 127") {
		return []string{
			fmt.Sprintf("Error: the credential_process of profile %q failed: its command was not found.", pe.Profile),
			fmt.Sprintf("Fix: correct credential_process in %s: %s", where, creds.Redact(pe.Command)),
		}, exitUsage, true
	}
	return []string{
		"Error: " + creds.Redact(pe.Error()) + ".",
		fmt.Sprintf("It is set in %s: credential_process = %s", where, creds.Redact(pe.Command)),
		"Run that command by hand to see why (its own error output, if any, is above), then fix it or the profile.",
	}, exitFailed, true
}
