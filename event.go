package awsfresh

import (
	"errors"
	"log/slog"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// EventKind says what an [Event] reports.
type EventKind int

// The kinds of [Event]. A "refresh" is a run of the login command; silent
// renewals (new role credentials from a still-valid SSO session, for
// example) are routine and reported only to [Options.Logger] at debug
// level.
const (
	// RefreshStarted: the login command started. Command and Timeout are set.
	RefreshStarted EventKind = iota + 1
	// RefreshFinished: the login command exited successfully. Elapsed is set.
	RefreshFinished
	// RefreshFailed: the login command failed (non-zero exit, not found,
	// interrupted). errors.Is(Err, ErrLoginFailed) holds unless it was
	// interrupted.
	RefreshFailed
	// RefreshTimedOut: the login command was stopped at its deadline.
	// errors.Is(Err, ErrLoginTimeout) holds.
	RefreshTimedOut
	// CredentialsRejected: AWS rejected credentials the Provider handed
	// out (expired, unknown or revoked); new ones are being obtained. Err
	// is the AWS error. It is reported once per rejected set of
	// credentials, however many calls AWS rejected them for.
	CredentialsRejected
	// Warning: something the user should know, in Message; for example
	// credentials served inside the advisory window because renewing them
	// failed. Err is the cause, when there is one.
	Warning
)

// String returns a short lowercase description such as "refresh started".
func (k EventKind) String() string {
	switch k {
	case RefreshStarted:
		return "refresh started"
	case RefreshFinished:
		return "refresh finished"
	case RefreshFailed:
		return "refresh failed"
	case RefreshTimedOut:
		return "refresh timed out"
	case CredentialsRejected:
		return "credentials rejected"
	case Warning:
		return "warning"
	}
	return "unknown event"
}

// Event is one report from a [Provider]. It never holds a secret.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Profile string
	// Command is the login command, for the Refresh kinds.
	Command string
	// Timeout is the login command's deadline, for RefreshStarted.
	Timeout time.Duration
	// Elapsed is how long the login command ran, for RefreshFinished,
	// RefreshFailed and RefreshTimedOut.
	Elapsed time.Duration
	// Message is set for Warning.
	Message string
	// Err is set for RefreshFailed, RefreshTimedOut and CredentialsRejected,
	// and for a Warning that has a cause.
	Err error
}

// fromEngine translates an engine event; ok is false for events the
// library does not forward. The engine's rejection events are not
// forwarded: the Provider reports a rejection itself, once per rejected
// key, however many calls and flights it touches.
func fromEngine(ev engine.Event) (Event, bool) {
	out := Event{Time: ev.Time, Profile: ev.Profile, Command: ev.Command, Timeout: ev.Timeout,
		Elapsed: ev.Elapsed, Message: ev.Message, Err: ev.Err}
	switch ev.Kind {
	case engine.EventLoginStarted:
		out.Kind = RefreshStarted
		out.Err = nil // the cause, not a failure of the refresh
	case engine.EventLoginFinished:
		out.Kind = RefreshFinished
	case engine.EventLoginFailed:
		out.Kind = RefreshFailed
		if errors.Is(ev.Err, ErrLoginTimeout) {
			out.Kind = RefreshTimedOut
		}
	case engine.EventWarning, engine.EventRenewFailed:
		out.Kind = Warning
	default:
		return Event{}, false
	}
	return out, true
}

// report sends ev to the logger and to OnEvent.
func (p *Provider) report(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = p.now()
	}
	if ev.Profile == "" {
		ev.Profile = p.profile
	}
	if l := p.logger; l != nil {
		attrs := []any{slog.String("profile", ev.Profile)}
		if ev.Command != "" {
			attrs = append(attrs, slog.String("command", ev.Command))
		}
		if ev.Timeout > 0 {
			attrs = append(attrs, slog.Duration("timeout", ev.Timeout))
		}
		if ev.Elapsed > 0 {
			attrs = append(attrs, slog.Duration("elapsed", ev.Elapsed))
		}
		if ev.Err != nil {
			attrs = append(attrs, slog.String("error", creds.Redact(ev.Err.Error())))
		}
		switch ev.Kind {
		case RefreshStarted:
			l.Info("AWS authentication refresh started", attrs...)
		case RefreshFinished:
			l.Info("AWS authentication refresh finished", attrs...)
		case RefreshFailed:
			l.Error("AWS authentication refresh failed", attrs...)
		case RefreshTimedOut:
			l.Error("AWS authentication refresh timed out", attrs...)
		case CredentialsRejected:
			l.Warn("AWS rejected the credentials; getting new ones", attrs...)
		case Warning:
			l.Warn(creds.Redact(ev.Message), attrs...)
		}
	}
	if p.onEvent != nil {
		p.onEvent(ev)
	}
}

// debug logs a routine step at debug level.
func (p *Provider) debug(msg string, args ...any) {
	if p.logger != nil {
		p.logger.Debug(msg, append([]any{slog.String("profile", p.profile)}, args...)...)
	}
}
