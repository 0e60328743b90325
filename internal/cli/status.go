package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// statusReport is `awsfresh status --json`. It never holds a secret.
type statusReport struct {
	Profile     string           `json:"profile"`
	ProfileFrom string           `json:"profileFrom"`
	Engine      engine.Status    `json:"engine"`
	SSOSession  *ssoStatus       `json:"ssoSession,omitempty"`
	Login       *commandReport   `json:"loginCommand,omitempty"`
	Export      *commandReport   `json:"exportCommand,omitempty"`
	Skipped     []string         `json:"skipped,omitempty"`
	Settings    []settingsReport `json:"settingsFiles"`
	Shadowing   []string         `json:"shadowing,omitempty"`
	Timeout     string           `json:"timeout"`
}

type ssoStatus struct {
	// Kind is "sso-session" (refreshable) or "legacy" (sso_start_url in
	// the profile: not refreshable).
	Kind        string    `json:"kind"`
	Session     string    `json:"session,omitempty"`
	CacheFile   string    `json:"cacheFile"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Refreshable bool      `json:"refreshable"` // renewable silently now
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && asLine {
				return usageError{fmt.Errorf("--json and --line cannot be used together")}
			}
			profiles := []string{a.flags.profile}
			if all {
				names, err := source.ListProfiles()
				if err != nil {
					return err
				}
				profiles = names
			}
			var reps []statusReport
			for _, p := range profiles {
				a.flags.profile = p
				r, err := a.resolve(cmd.Context(), resolveOptions{})
				if err != nil {
					return err
				}
				eng, err := a.newEngine(r, nil)
				if err != nil {
					return err
				}
				reps = append(reps, a.buildStatus(r, eng))
			}
			now := time.Now()
			switch {
			case asJSON && all:
				return writeJSON(a.io.Stdout, reps)
			case asJSON:
				return writeJSON(a.io.Stdout, reps[0])
			}
			for i, rep := range reps {
				if asLine {
					fmt.Fprintln(a.io.Stdout, statusLine(rep, now))
					continue
				}
				if i > 0 {
					fmt.Fprintln(a.io.Stdout)
				}
				printStatus(a.io.Stdout, rep, now)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every profile of the shared config and credentials files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&asLine, "line", false, "print one short line, e.g. \"aws dev 4h23m\"")
	return cmd
}

func (a *app) buildStatus(r *resolved, eng *engine.Engine) statusReport {
	rep := statusReport{
		Profile:     r.Profile,
		ProfileFrom: r.ProfileFrom,
		Engine:      eng.Status(),
		Skipped:     r.Skipped,
		Timeout:     r.Timeout.String(),
	}
	if r.Login != nil {
		rep.Login = &commandReport{Command: r.Login.Line, From: r.Login.From, Builtin: r.Login.Builtin}
		if r.Login.Builtin {
			so := a.signInOptions(r)
			c := ssologin.Choose(so.Machine, so.Session, false, false)
			rep.Login.Flow, rep.Login.FlowReason = c.Flow.String(), c.Reason
		}
	}
	if r.Export != nil {
		rep.Export = &commandReport{Command: r.Export.Line, From: r.Export.From}
	}
	for _, f := range r.Settings.Files {
		rep.Settings = append(rep.Settings, settingsReport{Path: f.Path, Scope: f.Scope.String(), Exists: f.Exists, Keys: f.Keys})
	}
	if r.ProfileInfo.IsSSO() {
		rep.SSOSession = &ssoStatus{Kind: "sso-session", Session: r.ProfileInfo.SSO.Name}
		if r.ProfileInfo.SSO.Legacy() {
			rep.SSOSession.Kind, rep.SSOSession.Hint = "legacy", "for silent renewal, "+legacyHint
		}
		if s, err := source.LoadSSOSession(r.ProfileInfo); err != nil {
			rep.SSOSession.Error = "no cached SSO token (run the login command)"
		} else {
			rep.SSOSession.CacheFile, rep.SSOSession.ExpiresAt, rep.SSOSession.Refreshable = s.CacheFile, s.ExpiresAt, s.Refreshable
			if !s.RegistrationExpiresAt.IsZero() {
				rep.SSOSession.RegistrationExpiresAt = &s.RegistrationExpiresAt
			}
		}
	}
	for _, v := range shadowVars {
		if a.io.Getenv(v) != "" {
			rep.Shadowing = append(rep.Shadowing, v)
		}
	}
	return rep
}

// statusLine is the one-line form: "aws dev 4h23m", "aws dev expired".
func statusLine(rep statusReport, now time.Time) string {
	c := rep.Engine.Credentials
	switch {
	case c == nil:
		return "aws " + rep.Profile + " no credentials"
	case c.Expiration == nil:
		return "aws " + rep.Profile + " ok"
	case !c.Expiration.After(now):
		return "aws " + rep.Profile + " expired"
	}
	return "aws " + rep.Profile + " " + shortDuration(c.Expiration.Sub(now))
}

// shortDuration is "4h23m", "12m", "45s".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

func printStatus(w io.Writer, rep statusReport, now time.Time) {
	fmt.Fprintf(w, "Profile:      %s (from %s)\n", rep.Profile, rep.ProfileFrom)
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
		case s.Refreshable:
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
	} else {
		fmt.Fprintf(w, "Login:        none configured\n")
	}
	if rep.Export != nil {
		fmt.Fprintf(w, "Export:       %s  (from %s)\n", rep.Export.Command, rep.Export.From)
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

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func relative(d time.Duration) string {
	if d < 0 {
		return wording.Duration(-d) + " ago"
	}
	return "in " + wording.Duration(d)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
