package awsfresh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// sentinels are the causes a caller can match through this package.
var sentinels = map[string]error{
	"ErrLoginTimeout":   ErrLoginTimeout,
	"ErrLoginFailed":    ErrLoginFailed,
	"ErrCooldown":       ErrCooldown,
	"ErrNoLoginCommand": ErrNoLoginCommand,
	"ErrStillInvalid":   ErrStillInvalid,
	"ErrExportFailed":   ErrExportFailed,
	"ErrAccessDenied":   ErrAccessDenied,
	"ErrClockSkew":      ErrClockSkew,
}

// TestSentinelsFromRealFailures brings about each cause with a Provider
// against the simulated AWS and real login and export commands, and checks
// that exactly its sentinel matches, through both forms of errors.As, and
// that the message is a Go error message that names no command-line flag.
func TestSentinelsFromRealFailures(t *testing.T) {
	staticProfile := func(t *testing.T, env *simEnv) Options {
		id, secret := env.sim.CreateUser("alice")
		path := filepath.Join(env.home, ".aws", "credentials")
		data := "[static]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n"
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return Options{Profile: "static", LoginCommand: "exit 0"}
	}
	for _, tt := range []struct {
		name string
		want string // the key in sentinels
		// setup returns the Provider's options; before, when set, is a
		// Retrieve whose failure leads to the one under test.
		setup  func(t *testing.T, env *simEnv) Options
		before bool
		// output is what CommandOutput must hold.
		output string
	}{
		{name: "a login that hangs past its deadline", want: "ErrLoginTimeout",
			setup: func(*testing.T, *simEnv) Options {
				return Options{LoginCommand: "exec sleep 60", Timeout: time.Second}
			}},
		{name: "a login that exits non-zero", want: "ErrLoginFailed", output: "no browser here",
			setup: func(*testing.T, *simEnv) Options {
				return Options{LoginCommand: "echo 'no browser here' >&2; exit 3"}
			}},
		{name: "a login that cannot be found", want: "ErrLoginFailed",
			setup: func(*testing.T, *simEnv) Options {
				return Options{LoginCommand: "awsfresh-test-no-such-command"}
			}},
		{name: "asked again right after a failed login", want: "ErrCooldown", before: true,
			setup: func(*testing.T, *simEnv) Options {
				return Options{LoginCommand: "exit 3"}
			}},
		{name: "no login command", want: "ErrNoLoginCommand",
			setup: func(*testing.T, *simEnv) Options { return Options{SSOLogin: SSOLoginNone} }},
		{name: "a login that logs nobody in", want: "ErrStillInvalid",
			setup: func(*testing.T, *simEnv) Options { return Options{LoginCommand: "true"} }},
		{name: "an export command that prints garbage", want: "ErrExportFailed",
			setup: func(*testing.T, *simEnv) Options {
				return Options{ExportCommand: "echo not-credentials", LoginCommand: "exit 0"}
			}},
		{name: "AWS denies the identity check", want: "ErrAccessDenied",
			setup: func(t *testing.T, env *simEnv) Options {
				env.sim.Deny(simaws.OpGetCallerIdentity, "*")
				return staticProfile(t, env)
			}},
		{name: "the clock is 20 minutes off", want: "ErrClockSkew",
			setup: func(t *testing.T, env *simEnv) Options {
				env.sim.SetClockSkew(20 * time.Minute)
				return staticProfile(t, env)
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newSimEnv(t, simaws.Options{}) // no SSO session: a login is needed
			p, rec := newSimProvider(t, tt.setup(t, env))
			ctx := context.Background()
			if tt.before {
				if _, err := p.Retrieve(ctx); err == nil {
					t.Fatal("the first Retrieve succeeded")
				}
			}
			_, err := p.Retrieve(ctx)
			if err == nil {
				t.Fatal("Retrieve succeeded")
			}
			for name, s := range sentinels {
				if got := errors.Is(err, s); got != (name == tt.want) {
					t.Errorf("errors.Is(err, %s) = %v for %v", name, got, err)
				}
			}
			var ptr *RefreshError
			var val RefreshError
			if !errors.As(err, &ptr) || !errors.As(err, &val) {
				t.Fatalf("errors.As does not find the RefreshError in %v", err)
			}
			if val.Profile != ptr.Profile || val.Err != ptr.Err || val.Profile == "" {
				t.Errorf("the value form holds %+v, the pointer %+v", val, *ptr)
			}
			checkGoMessage(t, err.Error())
			if tt.output != "" && !strings.Contains(ptr.CommandOutput(), tt.output) {
				t.Errorf("CommandOutput() = %q, want it to hold %q", ptr.CommandOutput(), tt.output)
			}
			// An event reports a failed login with the same sentinel.
			for _, ev := range rec.list() {
				if (ev.Kind == RefreshFailed || ev.Kind == RefreshTimedOut) && !errors.Is(ev.Err, sentinels[tt.want]) && !tt.before {
					t.Errorf("%v event: errors.Is(Err, %s) is false for %v", ev.Kind, tt.want, ev.Err)
				}
			}
		})
	}
}

// checkGoMessage fails unless msg reads as a Go error: one line, no final
// period, and no advice only the awsfresh command can follow.
func checkGoMessage(t *testing.T, msg string) {
	t.Helper()
	if strings.Contains(msg, "\n") || strings.HasSuffix(msg, ".") {
		t.Errorf("not a Go error message (one line, no final period): %q", msg)
	}
	for _, cli := range []string{"--force", "--interactive", "--timeout", "--command", "AWSFRESH_", "awsfresh refresh", "Please check"} {
		if strings.Contains(msg, cli) {
			t.Errorf("the library's message names %q: %s", cli, msg)
		}
	}
}

func TestRefreshErrorMessages(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	expired := &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
	now := time.Now()
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"timeout", &engine.LoginError{Command: "aws sso login", Err: &runcmd.TimeoutError{Timeout: 3 * time.Minute}},
			"AWS authentication refresh timed out after 3 minutes; login command: aws sso login"},
		{"timeout after an expired token", &engine.LoginError{Command: "x", Err: &runcmd.TimeoutError{Timeout: 90 * time.Second}, LastCause: expired},
			"AWS authentication refresh timed out after 90 seconds; login command: x; it was needed because AWS said the security token had expired"},
		{"exit status", &engine.LoginError{Command: "login.sh", Err: &runcmd.ExitError{Code: 2}, StderrTail: "it broke\n"},
			"AWS authentication refresh failed: login.sh exited with status 2"},
		{"not found", &engine.LoginError{Command: "nope", Err: &runcmd.ExitError{Code: 127}},
			"AWS authentication refresh failed: nope: command not found"},
		{"signal", &engine.LoginError{Command: "x", Err: &runcmd.SignalError{Signal: syscall.SIGKILL}},
			"AWS authentication refresh failed: x was killed by signal killed"},
		{"interrupted", &engine.LoginError{Command: "x", Err: &runcmd.SignalError{Signal: syscall.SIGINT}},
			"AWS authentication refresh interrupted"},
		{"still invalid", &engine.StillInvalidError{Profile: "dev", Err: errors.New("they expire in 2s")},
			`AWS authentication refresh finished, but the credentials for profile "dev" are still not valid; reason: they expire in 2s; the login command will not run again on its own for a while`},
		{"cooldown", &engine.CooldownError{Profile: "dev", LastFailure: now.Add(-5 * time.Second), Until: now.Add(25 * time.Second), Now: now, LastError: "timed out"},
			"AWS authentication refresh failed 5 seconds ago; not retrying for another 25 seconds; last failure: timed out"},
		{"no login command", fmt.Errorf("%w for profile %q: %w", engine.ErrNoLoginCommand, "dev", errors.New("SSO session has expired")),
			`AWS credentials for profile "dev" are not available: no login command configured for profile "dev": SSO session has expired`},
		{"other, redacted", errors.New("export printed SecretAccessKey=" + secret),
			`AWS credentials for profile "dev" are not available: export printed SecretAccessKey=[REDACTED]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := error(&RefreshError{Profile: "dev", Err: tt.err})
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() =\n  %s\nwant\n  %s", got, tt.want)
			}
			checkGoMessage(t, err.Error())
			if !errors.Is(err, tt.err) {
				t.Error("the cause is not wrapped")
			}
			if strings.Contains(err.Error(), secret) {
				t.Error("the message holds a secret")
			}
		})
	}

	withRejection := &RefreshError{Profile: "dev", Err: &engine.LoginError{Command: "x", Err: &runcmd.ExitError{Code: 1}}, Rejected: expired}
	var api smithy.APIError
	if !errors.As(withRejection, &api) || api.ErrorCode() != "ExpiredTokenException" {
		t.Error("the AWS rejection is not reachable with errors.As")
	}
	if !strings.HasSuffix(withRejection.Error(), "(after AWS rejected the credentials: api error ExpiredTokenException: The security token included in the request is expired)") {
		t.Errorf("message: %s", withRejection.Error())
	}
	if withRejection.RetryableError() {
		t.Error("a failed refresh must not be retried by the SDK")
	}
}

// TestCommandOutputIsRedacted: the end of a login's output is available,
// trimmed and without secrets.
func TestCommandOutputIsRedacted(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tail := creds.Redact("\n  \nfailed with aws_secret_access_key=" + secret + "\n   \n")
	err := &RefreshError{Profile: "dev", Err: &engine.LoginError{Command: "x", Err: &runcmd.ExitError{Code: 1}, StderrTail: tail}}
	if got, want := err.CommandOutput(), "failed with aws_secret_access_key="+creds.Redacted; got != want {
		t.Errorf("CommandOutput() = %q, want %q", got, want)
	}
}

func TestFromEngineEvents(t *testing.T) {
	timeout := &engine.LoginError{Command: "x", Err: &runcmd.TimeoutError{Timeout: time.Second}}
	failed := &engine.LoginError{Command: "x", Err: &runcmd.ExitError{Code: 1}}
	for _, tt := range []struct {
		in   engine.Event
		want EventKind
		ok   bool
	}{
		{engine.Event{Kind: engine.EventLoginStarted, Err: errors.New("cause")}, RefreshStarted, true},
		{engine.Event{Kind: engine.EventLoginFinished}, RefreshFinished, true},
		{engine.Event{Kind: engine.EventLoginFailed, Err: failed}, RefreshFailed, true},
		{engine.Event{Kind: engine.EventLoginFailed, Err: timeout}, RefreshTimedOut, true},
		{engine.Event{Kind: engine.EventRejected}, 0, false}, // the Provider reports rejections itself, once per key
		{engine.Event{Kind: engine.EventWarning, Message: "m"}, Warning, true},
		{engine.Event{Kind: engine.EventRenewFailed, Message: "m"}, Warning, true},
		{engine.Event{Kind: engine.EventRetrieve}, 0, false},
	} {
		got, ok := fromEngine(tt.in)
		if ok != tt.ok || got.Kind != tt.want {
			t.Errorf("fromEngine(%v) = %v, %v; want %v, %v", tt.in.Kind, got.Kind, ok, tt.want, tt.ok)
		}
		if got.Kind == RefreshStarted && got.Err != nil {
			t.Error("RefreshStarted carries the cause as if it were a failure")
		}
	}
}
