package engine

import "time"

// EventKind says what happened.
type EventKind int

// Events the engine reports.
const (
	EventRetrieve      EventKind = iota // retrieving from the source
	EventLoginStarted                   // the login command started
	EventLoginFinished                  // the login command exited 0
	EventLoginFailed                    // the login command failed, timed out or was interrupted
	EventWarning                        // something the user should know; Message says what, Err why when known
	EventRejected                       // a caller reported credentials rejected by AWS
	EventRenewFailed                    // renewing failed and the still-usable credentials are served; Message says so, Err is why
)

func (k EventKind) String() string {
	return [...]string{"retrieve", "login started", "login finished", "login failed", "warning", "rejected", "renew failed"}[k]
}

// Event is one report from the engine. It never holds a secret.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Profile string
	Command string        // the login command, for login events
	Timeout time.Duration // the login command's deadline, for EventLoginStarted
	Elapsed time.Duration // for EventLoginFinished and EventLoginFailed
	Message string
	Err     error
}
