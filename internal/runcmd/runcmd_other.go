//go:build !unix && !windows

package runcmd

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// Platforms other than Unix and Windows have no process groups to manage:
// Run refuses to start there rather than risk leaving processes behind.

const (
	codeNotFound      = 127
	codeNotExecutable = 126
)

func defaultShell() string { return "sh" }

func shellCommand(shell, command string) *exec.Cmd {
	c := exec.Command(shell, "-c", command)
	c.Err = fmt.Errorf("%w on %s", errors.ErrUnsupported, runtime.GOOS) // Start returns it
	return c
}

type group struct{ proc *os.Process }

func newGroup(cmd *exec.Cmd, o *Options, shell string) *group { return &group{} }
func (g *group) started(p *os.Process)                        { g.proc = p }
func (g *group) terminate()                                   { g.kill() }
func (g *group) kill() {
	if g.proc != nil {
		g.proc.Kill()
	}
}
func (g *group) alive() bool { return false }
func (g *group) cutOff()     {}
func (g *group) release()    {}

func exitStatus(ps *os.ProcessState) (code int, sig os.Signal) { return ps.ExitCode(), nil }
