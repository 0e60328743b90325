package wording

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/source"
)

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 seconds"},
		{250 * time.Millisecond, "250 milliseconds"},
		{time.Second, "1 second"},
		{2 * time.Second, "2 seconds"},
		{59 * time.Second, "59 seconds"},
		{time.Minute, "1 minute"},
		{90 * time.Second, "90 seconds"},
		{3 * time.Minute, "3 minutes"},
		{150 * time.Second, "2 minutes 30 seconds"},
		{time.Hour, "1 hour"},
		{65 * time.Minute, "1 hour 5 minutes"},
		{2*time.Hour + 30*time.Second, "2 hours"},
	} {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		name     string
		err      error
		want     Situation
		headline string
		output   []string
	}{
		{"login timeout", &engine.LoginError{Command: "x", Err: &runcmd.TimeoutError{Timeout: 90 * time.Second}}, LoginTimeout,
			"AWS authentication refresh timed out after 90 seconds", nil},
		{"login exit", &engine.LoginError{Command: "x", Err: &runcmd.ExitError{Code: 3}, StderrTail: "\n \nfirst\n\n  second  \n\r\n"}, LoginFailed,
			"AWS authentication refresh failed: x exited with status 3", []string{"first", "", "  second"}},
		{"login interrupted", &engine.LoginError{Command: "x", Err: &runcmd.SignalError{Signal: os.Interrupt}}, Interrupted,
			"AWS authentication refresh interrupted", nil},
		{"canceled", fmt.Errorf("waiting: %w", context.Canceled), Interrupted, "AWS authentication refresh interrupted", nil},
		{"still invalid", &engine.StillInvalidError{Profile: "p", Err: errors.New("why")}, StillInvalid,
			`AWS authentication refresh finished, but the credentials for profile "p" are still not valid`, nil},
		{"cooldown", &engine.CooldownError{LastFailure: now.Add(-time.Minute), Until: now.Add(time.Minute), Now: now}, Cooldown,
			"AWS authentication refresh failed 1 minute ago; not retrying for another 1 minute", nil},
		{"export timeout", &source.CommandError{Command: "x", Err: &runcmd.TimeoutError{Timeout: time.Second}}, ExportTimeout,
			"AWS credential export timed out after 1 second", nil},
		{"export exit", &source.CommandError{Command: "x", Err: &runcmd.ExitError{Code: 1}, StderrTail: "no\n"}, ExportFailed,
			"AWS credential export failed: x exited with status 1", []string{"no"}},
		{"export garbage", &source.CommandError{Command: "x", Err: creds.ErrEmptyOutput, StderrTail: "no\n"}, ExportFailed,
			"AWS credential export failed: x printed no usable credentials: credentials output is empty", nil},
		{"no login command", fmt.Errorf("%w for profile %q", engine.ErrNoLoginCommand, "p"), NoLoginCommand,
			`no login command configured for profile "p"`, nil},
		{"nested", engine.ErrNested, Nested, engine.ErrNested.Error(), nil},
		{"clock", &engine.DiagnosedError{Kind: engine.KindClockSkew, Err: errors.New("skewed")}, Diagnosed,
			engine.KindClockSkew.Advice(""), nil},
		{"other", errors.New("something"), Other, "something", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(tt.err)
			if got.Situation != tt.want || got.Headline != tt.headline {
				t.Errorf("Describe = %v %q, want %v %q", got.Situation, got.Headline, tt.want, tt.headline)
			}
			if !slices.Equal(got.Output, tt.output) {
				t.Errorf("Output = %q, want %q", got.Output, tt.output)
			}
			for _, s := range append([]string{got.Line()}, got.Output...) {
				if strings.Contains(s, "--") || strings.Contains(s, "AWSFRESH_") || strings.HasSuffix(s, ".") {
					t.Errorf("not library-safe text: %q", s)
				}
			}
		})
	}
}
