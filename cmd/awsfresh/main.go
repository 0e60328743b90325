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
	// A second one exits at once (see interruptible).
	ctx, stop := interruptible(os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// interruptible returns a context cancelled by the first of sigs. The
// handler is then removed, so a second signal has its default effect and
// ends awsfresh at once, whatever it is waiting for — unless a command
// took the signal for itself (exec forwards signals to its program).
func interruptible(sigs ...os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2) // room for a second one that comes at once
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		cancel()
		signal.Stop(ch)
		select {
		case sig := <-ch: // a second one came before Stop: deliver it again
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig)
			}
		default:
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
