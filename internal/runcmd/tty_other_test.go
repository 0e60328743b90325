//go:build !linux && !darwin

package runcmd_test

// ttyHelperMain: the terminal tests run on Linux and macOS only.
func ttyHelperMain() bool { return false }
