// Command awsfresh keeps AWS credentials fresh for long-running programs.
// See the README, or run awsfresh --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/awsfresh/awsfresh/internal/cli"
)

func main() {
	// Ctrl+C and SIGTERM cancel the context: whatever command awsfresh is
	// running gets its process group terminated, then awsfresh exits 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
