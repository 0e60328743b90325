package awsfresh

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

func TestRefreshErrorMessages(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	expired := &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
	now := time.Now()
	for _, tt := range []struct {
		name string
		err  error
		want string
		is   error
	}{
		{"timeout", &engine.LoginError{Command: "aws sso login", Err: &runcmd.TimeoutError{Timeout: 3 * time.Minute}},
			"AWS authentication refresh timed out after 3 minutes; Please check your AWS credentials and try again; To log in by hand, run: aws sso login",
			runcmd.ErrTimeout},
		{"timeout after an expired token", &engine.LoginError{Command: "x", Err: &runcmd.TimeoutError{Timeout: 90 * time.Second}, LastCause: expired},
			"AWS authentication refresh timed out after 90 seconds; Please check your AWS credentials and try again; To log in by hand, run: x; Security token expired. Please refresh your AWS credentials",
			runcmd.ErrTimeout},
		{"exit status", &engine.LoginError{Command: "login.sh", Err: &runcmd.ExitError{Code: 2}},
			"AWS authentication refresh failed: login.sh exited with status 2", nil},
		{"not found", &engine.LoginError{Command: "nope", Err: &runcmd.ExitError{Code: 127}},
			"AWS authentication refresh failed: nope: command not found", runcmd.ErrNotFound},
		{"signal", &engine.LoginError{Command: "x", Err: &runcmd.SignalError{Signal: syscall.SIGKILL}},
			"AWS authentication refresh failed: x was killed by signal killed", nil},
		{"interrupted", &engine.LoginError{Command: "x", Err: &runcmd.SignalError{Signal: syscall.SIGINT}},
			"AWS authentication refresh interrupted", runcmd.ErrInterrupted},
		{"still invalid", &engine.StillInvalidError{Profile: "dev", Err: errors.New("they expire in 2s")},
			`AWS authentication refresh finished, but the credentials for profile "dev" are still not valid; Reason: they expire in 2s; awsfresh will not run the login command again on its own for a while; fix the login command or the profile, then run 'awsfresh refresh --force'`, nil},
		{"cooldown", &engine.CooldownError{Profile: "dev", LastFailure: now.Add(-5 * time.Second), Until: now.Add(25 * time.Second), Now: now, LastError: "timed out"},
			"AWS authentication refresh failed 5 seconds ago; not retrying for another 25 seconds (use --force to retry now); Last failure: timed out", nil},
		{"no login command", fmt.Errorf("%w for profile %q: %w", engine.ErrNoLoginCommand, "dev", errors.New("SSO session has expired")),
			`AWS credentials for profile "dev" are not available: no login command configured for profile "dev": SSO session has expired; Configure a login command: pass --command, set AWSFRESH_REFRESH_COMMAND, or set awsAuthRefresh in ~/.claude/settings.json (for example "aws sso login --profile NAME")`,
			engine.ErrNoLoginCommand},
		{"other, redacted", errors.New("export printed SecretAccessKey=" + secret),
			`AWS credentials for profile "dev" are not available: export printed SecretAccessKey=[REDACTED]`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := error(&RefreshError{Profile: "dev", Err: tt.err})
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() =\n  %s\nwant\n  %s", got, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) is false", tt.is)
			}
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
