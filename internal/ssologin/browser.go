package ssologin

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// browserCommand is the shell command line that opens url on m, or "" when
// m has no way: $BROWSER (its first entry; %s stands for the URL), else
// open (macOS), rundll32 (Windows), xdg-open or wslview.
func browserCommand(m Machine, url string) string {
	for _, b := range strings.Split(m.Getenv("BROWSER"), ":") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		if strings.Contains(b, "%s") {
			return strings.ReplaceAll(b, "%s", creds.ShellQuote(url))
		}
		return b + " " + creds.ShellQuote(url)
	}
	switch m.GOOS {
	case "darwin":
		return "open " + creds.ShellQuote(url)
	case "windows":
		// cmd.exe takes & and ? literally inside double quotes; a URL has
		// no double quote of its own (it would be %22).
		return `rundll32 url.dll,FileProtocolHandler "` + url + `"`
	}
	for _, prog := range []string{"xdg-open", "wslview"} {
		if _, err := exec.LookPath(prog); err == nil {
			return prog + " " + creds.ShellQuote(url)
		}
	}
	return ""
}

// openBrowser starts the browser launcher on url, bounded by ctx, and
// returns a function that stops it (its whole process group, if it is
// still running) and waits until it is gone. A launcher that fails is
// reported on Output: the user can still open the URL by hand.
func (l *login) openBrowser(ctx context.Context, url string) (stop func()) {
	line := ""
	if l.browser != nil {
		line = l.browser(url)
	} else {
		line = browserCommand(l.Machine, url)
	}
	if line == "" {
		fmt.Fprintf(l.Output, "awsfresh: no browser launcher found here (set BROWSER); open the URL yourself.\n")
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := runcmd.Run(ctx, runcmd.Options{Command: line, Env: l.BrowserEnv, Mode: runcmd.Stream, StderrTail: -1})
		if err != nil && ctx.Err() == nil {
			fmt.Fprintf(l.Output, "awsfresh: could not open a browser (%v); open the URL yourself.\n", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
