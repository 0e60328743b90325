//go:build unix

package settings

import "syscall"

// openFlags: never wait for a writer (FIFO) or a terminal, and never make
// a terminal the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
