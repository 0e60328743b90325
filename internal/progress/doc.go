// Package progress shows that a login command is running, and how long it
// has left before its deadline, on the stream where the command's own output
// goes (stderr).
//
// On a terminal a Line is one status line, such as
//
//	awsfresh: aws sso login --profile dev — 0:12 elapsed, 2:48 left (Ctrl+C to cancel)
//
// redrawn in place about once a second and erased when the command ends.
// Everything the command prints passes through the Line's Writer, which
// erases the status line first and draws it again only below complete lines
// of output, so the command's output (an SSO URL, a device code) is never
// overwritten or split by it. Elsewhere (a pipe, a log file) a Line writes a
// plain line every 30 seconds instead, with no carriage returns or escape
// sequences.
//
// The package owns the rendering of that status and its interleaving with
// the command's output. It does not run commands (package runcmd does), does
// not decide whether the output is a terminal or whether color is wanted
// beyond the helpers Auto and ColorAllowed, and never alters or filters a
// byte of the command's output: it only adds its own line around it.
package progress
