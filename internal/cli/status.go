package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
	"github.com/awsfresh/awsfresh/internal/termtext"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// statusReport is `awsfresh status --json`. It never holds a secret.
type statusReport struct {
	Profile     string `json:"profile"`
	ProfileFrom string `json:"profileFrom"`
	// Current marks, under --all, the profile awsfresh uses without --profile.
	Current     bool             `json:"current,omitempty"`
	Problem     *problemReport   `json:"problem,omitempty"`
	Engine      engine.Status    `json:"engine"`
	LoginNeeded *loginOutlook    `json:"loginNeeded,omitempty"`
	SSOSession  *ssoStatus       `json:"ssoSession,omitempty"`
	Login       *commandReport   `json:"loginCommand,omitempty"`
	Export      *commandReport   `json:"exportCommand,omitempty"`
	Skipped     []string         `json:"skipped,omitempty"`
	Settings    []settingsReport `json:"settingsFiles"`
	Shadowing   []string         `json:"shadowing,omitempty"`
	Timeout     string           `json:"timeout"`
}

// ssoStatus is the SSO token cache; without a readable token only Error
// is set.
type ssoStatus struct {
	// Kind is "sso-session" (refreshable) or "legacy" (sso_start_url in
	// the profile: not refreshable).
	Kind        string    `json:"kind"`
	Session     string    `json:"session,omitempty"`
	CacheFile   string    `json:"cacheFile,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
	Refreshable *bool     `json:"refreshable,omitempty"` // renewable silently now; nil when no token is cached
	// RegistrationExpiresAt bounds silent renewal.
	RegistrationExpiresAt *time.Time `json:"registrationExpiresAt,omitempty"`
	Error                 string     `json:"error,omitempty"`
	Hint                  string     `json:"hint,omitempty"`
}

type commandReport struct {
	Command string `json:"command"`
	From    string `json:"from"`
	// For the built-in sign-in: the flow it would use here, and why.
	Builtin    bool   `json:"builtin,omitempty"`
	Flow       string `json:"flow,omitempty"`
	FlowReason string `json:"flowReason,omitempty"`
	// Refused says why awsfresh will refuse to run it (a project's
	// command not trusted yet); "" when it will run.
	Refused string `json:"refused,omitempty"`
}

// problemReport is a mistake in the profile's configuration.
type problemReport struct {
	Error string `json:"error"`
	Fix   string `json:"fix,omitempty"`
}

// loginOutlook is when the user must log in again, as far as is known
// without calling AWS: what a prompt should show.
type loginOutlook struct {
	// Now: the next credentials need a login.
	Now bool `json:"now"`
	// At is when a login will be needed; nil when not known or never.
	At *time.Time `json:"at,omitempty"`
	// Renewable: the SSO session has a refresh token, so it may be
	// renewed silently and the login come later than At.
	Renewable bool `json:"renewable,omitempty"`
	// Never: long-term keys, which no login renews.
	Never bool `json:"never,omitempty"`
	// Basis is what this is judged from: "SSO session", "credentials"
	// (nothing known renews them silently), "long-term keys".
	Basis string `json:"basis"`
}

type settingsReport struct {
	Path   string   `json:"path"`
	Scope  string   `json:"scope"`
	Exists bool     `json:"exists"`
	Keys   []string `json:"keys,omitempty"`
}

// shadowVars are environment variables that take precedence over a
// profile in SDK clients.
var shadowVars = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}

func (a *app) statusCommand() *cobra.Command {
	var asJSON, asLine, all bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what is known about the credentials, without changing anything",
		Long: `Status shows, without changing anything or calling AWS: the cached credentials and when
they expire, the SSO session's expiry, the login cooldown, which settings files and keys were
used, which commands would run, and environment variables that shadow the profile. It never
prints a secret. --line prints one short line for a shell prompt or Claude Code's statusLine.`,
		Example: `  awsfresh status --profile dev
  awsfresh status --json | jq .engine.credentials
  awsfresh status --all --line
  PS1='$(awsfresh status --line) \$ '`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && asLine {
				return usageError{fmt.Errorf("--json and --line cannot be used together")}
			}
			reps, err := a.statusReports(cmd.Context(), all)
			if err != nil && asLine {
				return a.statusLineError(err)
			}
			if err != nil {
				return err
			}
			now := time.Now()
			switch {
			case asJSON && all:
				err = writeJSON(a.io.Stdout, reps)
			case asJSON && len(reps) > 0:
				err = writeJSON(a.io.Stdout, reps[0])
			}
			// Profile names, paths and commands come from files anyone
			// may have written: escaped, line by line.
			for i, rep := range reps {
				switch {
				case asJSON:
				case asLine:
					fmt.Fprintln(a.io.Stdout, termtext.Escape(statusLine(rep, now)))
				default:
					if i > 0 {
						fmt.Fprintln(a.io.Stdout)
					}
					var b strings.Builder
					printStatus(&b, rep, now)
					io.WriteString(a.io.Stdout, termtext.EscapeLines(b.String()))
				}
			}
			if err != nil {
				return err
			}
			// The report is out; a profile configured wrong is still a
			// configuration error.
			for _, rep := range reps {
				if rep.Problem != nil {
					return &exitError{code: exitUsage}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every profile of the shared config and credentials files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asLine, "line", false, "print one short line, e.g. \"aws dev 4h23m\"")
	return cmd
}

// statusReports builds the report of the profile in use, or, with all,
// of every profile of the shared files.
func (a *app) statusReports(ctx context.Context, all bool) ([]statusReport, error) {
	if !all {
		r, err := a.resolve(ctx, resolveOptions{report: true})
		if err != nil {
			return nil, err
		}
		rep, err := a.buildStatus(r)
		return []statusReport{rep}, err
	}
	// The profile in use without --all, and the files (the settings' env
	// may name others).
	current, err := a.resolveUnchecked(ctx, resolveOptions{report: true})
	if err != nil {
		return nil, err
	}
	names, err := source.ProfileNames(current.SDKOptions...)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		configFiles, credentialsFiles := source.SharedFiles(current.SDKOptions...)
		a.warnf("no profiles in %s or %s", source.DisplayPath(configFiles[0]), source.DisplayPath(credentialsFiles[0]))
	}
	reps := []statusReport{}
	for _, name := range names {
		a.flags.profile = name
		r, err := a.resolve(ctx, resolveOptions{report: true})
		if err != nil {
			return nil, err
		}
		rep, err := a.buildStatus(r)
		if err != nil {
			return nil, err
		}
		rep.ProfileFrom = "the shared config files"
		if name == current.Profile {
			rep.Current = true
			rep.ProfileFrom = current.ProfileFrom + ", the current profile"
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

func (a *app) buildStatus(r *resolved) (statusReport, error) {
	eng, err := a.newEngine(r, nil)
	if err != nil {
		return statusReport{}, err
	}
	rep := statusReport{
		Profile:     r.Profile,
		ProfileFrom: r.ProfileFrom,
		Engine:      eng.Status(),
		Skipped:     r.Skipped,
		Timeout:     r.Timeout.String(),
	}
	if r.Login != nil {
		rep.Login = &commandReport{Command: r.Login.Line, From: r.Login.From, Builtin: r.Login.Builtin, Refused: refusal(r, r.Login)}
		if r.Login.Builtin {
			so := a.signInOptions(r)
			c := ssologin.Choose(so.Machine, so.Session, false, false)
			rep.Login.Flow, rep.Login.FlowReason = c.Flow.String(), c.Reason
		}
	}
	if r.Export != nil {
		rep.Export = &commandReport{Command: r.Export.Line, From: r.Export.From, Refused: refusal(r, r.Export)}
	}
	if p := r.ProfileInfo.Problem; p != nil && r.Export == nil {
		rep.Problem = &problemReport{Error: p.Error(), Fix: p.Fix}
	}
	for _, f := range r.Settings.Files {
		rep.Settings = append(rep.Settings, settingsReport{Path: f.Path, Scope: f.Scope.String(), Exists: f.Exists, Keys: f.Keys})
	}
	var session *source.SSOSession
	if r.ProfileInfo.IsSSO() {
		rep.SSOSession = &ssoStatus{Kind: "sso-session", Session: r.ProfileInfo.SSO.Name}
		if r.ProfileInfo.SSO.Legacy() {
			rep.SSOSession.Kind, rep.SSOSession.Hint = "legacy", "for silent renewal, "+legacyHint
		}
		if s, err := source.LoadSSOSession(r.ProfileInfo); err != nil {
			rep.SSOSession.Error = "no cached SSO token (run the login command)"
		} else {
			session = &s
			rep.SSOSession.CacheFile, rep.SSOSession.ExpiresAt, rep.SSOSession.Refreshable = s.CacheFile, s.ExpiresAt, &s.Refreshable
			if !s.RegistrationExpiresAt.IsZero() {
				rep.SSOSession.RegistrationExpiresAt = &s.RegistrationExpiresAt
			}
		}
	}
	if rep.Problem == nil {
		rep.LoginNeeded = outlook(r.ProfileInfo, rep.Engine.Credentials, session, time.Now())
	}
	for _, v := range shadowVars {
		if a.io.Getenv(v) != "" {
			rep.Shadowing = append(rep.Shadowing, v)
		}
	}
	return rep, nil
}

// statusLineError is an error as --line shows it: a shell prompt runs it
// before every command, so one short line on stdout ("aws dve not
// found") and the error's first line on stderr, not a paragraph.
func (a *app) statusLineError(err error) error {
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = a.describe(err)
	}
	line := "aws error"
	var nf *source.NotFoundError
	var conf *source.ConfigError
	switch {
	case errors.As(err, &nf):
		line = "aws " + nf.Profile + " not found"
	case errors.As(err, &conf):
		line = "aws " + conf.Profile + " config error"
	}
	fmt.Fprintln(a.io.Stdout, termtext.Escape(line))
	if len(ee.lines) > 0 {
		fmt.Fprintln(a.io.Stderr, termtext.Escape(ee.lines[0]))
	}
	return &exitError{code: ee.code}
}

// refusal says why awsfresh would refuse to run c, or "".
func refusal(r *resolved, c *resolve.Command) string {
	if c != nil && c.Refused != nil {
		return c.Refused.Error()
	}
	return ""
}

// outlook judges when the user must log in again: for an SSO profile,
// when its session and the credentials it gave run out; for long-term
// keys, never; otherwise it is the credentials' expiry, as nothing known
// renews them.
func outlook(p source.Profile, c *engine.CredentialsStatus, session *source.SSOSession, now time.Time) *loginOutlook {
	var credsUntil time.Time
	if c != nil && c.Expiration != nil && c.Expiration.After(now) {
		credsUntil = *c.Expiration
	}
	switch {
	case p.IsSSO():
		o := &loginOutlook{Basis: "SSO session"}
		var at time.Time
		if session != nil {
			o.Renewable = session.Refreshable && (session.RegistrationExpiresAt.IsZero() || session.RegistrationExpiresAt.After(now))
			if session.ExpiresAt.After(now) {
				at = session.ExpiresAt
			}
		}
		if credsUntil.After(at) {
			at = credsUntil
		}
		switch {
		case !at.IsZero():
			o.At = &at
		case !o.Renewable:
			o.Now = true
		}
		return o
	case p.StaticKeys && p.RoleARN == "" && p.CredentialProcess == "":
		// Long-term keys in the files: nothing to log in to, cached or not.
		return &loginOutlook{Never: true, Basis: "long-term keys"}
	case c == nil:
		return nil
	case !c.Temporary && c.Expiration == nil:
		return &loginOutlook{Never: true, Basis: "long-term keys"}
	}
	o := &loginOutlook{Basis: "credentials"}
	if c.Expiration != nil {
		at := *c.Expiration
		o.At = &at
	}
	return o
}

// statusLine is the one-line form: how long until the user must log in
// ("aws dev 59m"; "59m+" when the SSO session may be renewed silently
// beyond that), or what needs them now ("aws dev login needed").
func statusLine(rep statusReport, now time.Time) string {
	name := "aws " + rep.Profile + " "
	o := rep.LoginNeeded
	switch {
	case rep.Problem != nil:
		return name + "config error"
	case o == nil:
		return name + "no credentials"
	case o.Now:
		return name + "login needed"
	case o.Never, o.At == nil && !o.Renewable:
		return name + "ok"
	case o.At == nil:
		return name + "renewable"
	case !o.At.After(now):
		return name + "expired"
	case o.Renewable:
		return name + shortDuration(o.At.Sub(now)) + "+"
	}
	return name + shortDuration(o.At.Sub(now))
}

// describeOutlook is the status line's answer, in words.
func describeOutlook(o *loginOutlook, session *ssoStatus, now time.Time) string {
	noToken := session != nil && session.ExpiresAt.IsZero()
	switch {
	case o.Now && noToken:
		return "now (no SSO session yet)"
	case o.Now:
		return "now (the SSO session has ended)"
	case o.Never:
		return "never (long-term keys)"
	case o.At == nil && o.Renewable:
		return "not known: the SSO session's token has expired, but its refresh token may renew it silently when credentials are next needed"
	case o.At == nil:
		return "not known (the credentials do not say when they expire)"
	case o.Basis == "credentials" && !o.At.After(now):
		return "not known: the credentials expired " + relative(o.At.Sub(now)) + "; their source may renew them without a login"
	case o.Basis == "credentials":
		return relative(o.At.Sub(now)) + " at the latest, when the credentials expire, unless their source renews them silently"
	case o.Renewable:
		return relative(o.At.Sub(now)) + " or later: the SSO session's refresh token may renew it silently"
	}
	return relative(o.At.Sub(now)) + ", when the SSO session ends"
}

// shortDuration is "3d", "4h23m", "12m", "45s".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

func printStatus(w io.Writer, rep statusReport, now time.Time) {
	fmt.Fprintf(w, "Profile:      %s (from %s)\n", rep.Profile, rep.ProfileFrom)
	if p := rep.Problem; p != nil {
		fmt.Fprintf(w, "Problem:      %s\n", p.Error)
		fmt.Fprintf(w, "Fix:          %s\n", p.Fix)
	}
	if o := rep.LoginNeeded; o != nil {
		fmt.Fprintf(w, "Login needed: %s\n", describeOutlook(o, rep.SSOSession, now))
	}
	fmt.Fprintf(w, "Source:       %s\n", rep.Engine.Source)
	if c := rep.Engine.Credentials; c != nil {
		kind := "long-term"
		if c.Temporary {
			kind = "temporary"
		}
		exp := "expiry unknown"
		if c.Expiration != nil {
			exp = "expires " + c.Expiration.Local().Format(time.RFC3339) + " (" + relative(c.Expiration.Sub(now)) + ")"
		}
		fmt.Fprintf(w, "Credentials:  %s, %s %s, %s\n", c.State, kind, c.AccessKeyID, exp)
		if c.Identity != "" {
			fmt.Fprintf(w, "Identity:     %s\n", c.Identity)
		}
	} else {
		fmt.Fprintf(w, "Credentials:  none cached\n")
	}
	if s := rep.SSOSession; s != nil {
		kind := "legacy: sso_start_url in the profile (not refreshable)"
		if s.Kind == "sso-session" {
			kind = fmt.Sprintf("sso-session %q (refreshable)", s.Session)
		}
		switch {
		case s.Error != "":
			fmt.Fprintf(w, "SSO session:  %s; %s\n", kind, s.Error)
		case s.Refreshable != nil && *s.Refreshable:
			until := ""
			if s.RegistrationExpiresAt != nil {
				until = " until " + s.RegistrationExpiresAt.Local().Format("2006-01-02")
			}
			fmt.Fprintf(w, "SSO session:  %s; access token expires %s (%s), renewed silently with its refresh token%s\n",
				kind, s.ExpiresAt.Local().Format(time.RFC3339), relative(s.ExpiresAt.Sub(now)), until)
		default:
			fmt.Fprintf(w, "SSO session:  %s; token expires %s (%s), then a sign-in is needed\n", kind, s.ExpiresAt.Local().Format(time.RFC3339), relative(s.ExpiresAt.Sub(now)))
		}
		if s.Hint != "" {
			fmt.Fprintf(w, "              %s\n", upperFirst(s.Hint))
		}
	}
	if cd := rep.Engine.Cooldown; cd != nil && cd.Failures > 0 {
		state := "over"
		if cd.Active {
			state = "active until " + cd.Until.Local().Format("15:04:05")
		}
		fmt.Fprintf(w, "Cooldown:     %d failed login(s), %s; last: %s\n", cd.Failures, state, cd.LastError)
	}
	if l := rep.Login; l != nil && l.Builtin {
		fmt.Fprintf(w, "Login:        %s  (from %s: the built-in sign-in, %s here — %s)\n", l.Command, l.From, l.Flow, l.FlowReason)
	} else if l != nil {
		fmt.Fprintf(w, "Login:        %s  (from %s)\n", l.Command, l.From)
		printRefusal(w, l)
	} else {
		fmt.Fprintf(w, "Login:        none configured\n")
	}
	if rep.Export != nil {
		fmt.Fprintf(w, "Export:       %s  (from %s)\n", rep.Export.Command, rep.Export.From)
		printRefusal(w, rep.Export)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "Skipped:      %s\n", s)
	}
	fmt.Fprintf(w, "Timeout:      %s\n", rep.Timeout)
	fmt.Fprintf(w, "Settings files:\n")
	for _, f := range rep.Settings {
		note := "not found"
		if f.Exists {
			note = "keys: " + strings.Join(f.Keys, ", ")
			if len(f.Keys) == 0 {
				note = "no keys awsfresh uses"
			}
		}
		fmt.Fprintf(w, "  %-14s %s (%s)\n", f.Scope, f.Path, note)
	}
	if len(rep.Shadowing) > 0 {
		fmt.Fprintf(w, "Shadowing:    %s set in this environment; SDK clients use them instead of the profile\n", strings.Join(rep.Shadowing, ", "))
	}
	if rep.Engine.CacheFile != "" {
		fmt.Fprintf(w, "Cache:        %s\n", rep.Engine.CacheFile)
	}
}

// printRefusal marks a command awsfresh will refuse to run.
func printRefusal(w io.Writer, c *commandReport) {
	if c.Refused != "" {
		fmt.Fprintf(w, "              ✗ will be refused: %s\n", c.Refused)
	}
}

func relative(d time.Duration) string {
	if d < 0 {
		return wording.Duration(-d) + " ago"
	}
	return "in " + wording.Duration(d)
}

// writeJSON writes v as indented JSON. encoding/json escapes C0 controls
// but not DEL, C1 controls or the bidirectional ones; those are written as
// \u escapes too, which decode to the same strings.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	var out strings.Builder
	for _, r := range b.String() {
		if r != '\n' && termtext.NeedsEscape(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	_, err := io.WriteString(w, out.String())
	return err
}
