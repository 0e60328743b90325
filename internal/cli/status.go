package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
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
	CacheFile   string    `json:"cacheFile"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Refreshable bool      `json:"refreshable"`
	Error       string    `json:"error,omitempty"`
}

type commandReport struct {
	Command string `json:"command"`
	From    string `json:"from"`
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
			// Profile names, paths and commands come from files anyone
			// may have written: escaped, line by line.
			for i, rep := range reps {
				if asLine {
					fmt.Fprintln(a.io.Stdout, wording.Escape(statusLine(rep, now)))
					continue
				}
				if i > 0 {
					fmt.Fprintln(a.io.Stdout)
				}
				var b strings.Builder
				printStatus(&b, rep, now)
				io.WriteString(a.io.Stdout, wording.EscapeLines(b.String()))
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
		rep.Login = &commandReport{r.Login.Line, r.Login.From}
	}
	if r.Export != nil {
		rep.Export = &commandReport{r.Export.Line, r.Export.From}
	}
	for _, f := range r.Settings.Files {
		rep.Settings = append(rep.Settings, settingsReport{Path: f.Path, Scope: f.Scope.String(), Exists: f.Exists, Keys: f.Keys})
	}
	if r.ProfileInfo.IsSSO() {
		s, err := source.LoadSSOSession(r.ProfileInfo)
		if err != nil {
			rep.SSOSession = &ssoStatus{Error: "no cached SSO token (run the login command)"}
		} else {
			rep.SSOSession = &ssoStatus{CacheFile: s.CacheFile, ExpiresAt: s.ExpiresAt, Refreshable: s.Refreshable}
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
		if s.Error != "" {
			fmt.Fprintf(w, "SSO session:  %s\n", s.Error)
		} else {
			refresh := ""
			if s.Refreshable {
				refresh = ", renewable with its refresh token"
			}
			fmt.Fprintf(w, "SSO session:  token expires %s (%s)%s\n", s.ExpiresAt.Local().Format(time.RFC3339), relative(s.ExpiresAt.Sub(now)), refresh)
		}
	}
	if cd := rep.Engine.Cooldown; cd != nil && cd.Failures > 0 {
		state := "over"
		if cd.Active {
			state = "active until " + cd.Until.Local().Format("15:04:05")
		}
		fmt.Fprintf(w, "Cooldown:     %d failed login(s), %s; last: %s\n", cd.Failures, state, cd.LastError)
	}
	if rep.Login != nil {
		fmt.Fprintf(w, "Login:        %s  (from %s)\n", rep.Login.Command, rep.Login.From)
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
		if r != '\n' && wording.NeedsEscape(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	_, err := io.WriteString(w, out.String())
	return err
}
