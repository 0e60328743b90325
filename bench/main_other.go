//go:build !unix

package main

import (
	"fmt"
	"os"
)

// The harness measures process groups and /proc: it runs on Linux.
func main() {
	fmt.Fprintln(os.Stderr, "bench: runs on Linux only")
	os.Exit(1)
}
