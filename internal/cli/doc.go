// Package cli is the awsfresh command line: one file per command, the
// flags, the exit codes, and the wording of every message a person reads.
// It resolves settings, profile and commands, then hands the deciding to
// package engine and the serving to package credserver. Nothing imports it
// but cmd/awsfresh.
package cli
