//go:build windows

package runcmd

import (
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Exit statuses with which cmd.exe reports a command it could not find
// (9009, "is not recognized"); it has none for "not executable".
const (
	codeNotFound      = 9009
	codeNotExecutable = -1 << 31
)

// defaultShell returns %ComSpec%, else cmd.exe from PATH.
func defaultShell() string {
	if s := os.Getenv("ComSpec"); s != "" {
		return s
	}
	return "cmd.exe"
}

// shellCommand runs `shell /d /s /c "command"`: /s makes cmd.exe strip just
// the outer quotes and run the rest verbatim, /d skips AutoRun commands.
func shellCommand(shell, command string) *exec.Cmd {
	c := exec.Command(shell)
	c.SysProcAttr = &syscall.SysProcAttr{
		CmdLine: syscall.EscapeArg(shell) + ` /d /s /c "` + command + `"`,
	}
	return c
}

// group is the command's process tree: a job object holding the shell (and
// so every process it starts), or only the shell when the job could not be
// set up. Windows has no SIGTERM: terminating is killing.
type group struct {
	proc *os.Process
	job  windows.Handle
}

func newGroup(cmd *exec.Cmd, o *Options, shell string) *group {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Ctrl+C in the console reaches us, not the command; we then stop it.
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP
	return &group{}
}

func (g *group) started(p *os.Process) {
	g.proc = p
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		windows.CloseHandle(job)
		return
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return
	}
	g.job = job
}

func (g *group) terminate() { g.kill() }

// cutOff changes nothing: the job object already holds every process the
// command started, wherever it went.
func (g *group) cutOff() {}

func (g *group) kill() {
	if g.job != 0 && windows.TerminateJobObject(g.job, 1) == nil {
		return
	}
	if g.proc != nil {
		g.proc.Kill()
	}
}

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.
type jobAccounting struct {
	TotalUserTime             int64
	TotalKernelTime           int64
	ThisPeriodTotalUserTime   int64
	ThisPeriodTotalKernelTime int64
	TotalPageFaultCount       uint32
	TotalProcesses            uint32
	ActiveProcesses           uint32
	TotalTerminatedProcesses  uint32
}

// alive reports whether the job still has processes (false without a job).
func (g *group) alive() bool {
	if g.job == 0 {
		return false
	}
	var info jobAccounting
	err := windows.QueryInformationJobObject(g.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	return err == nil && info.ActiveProcesses > 0
}

// release closes the job, which kills anything still in it.
func (g *group) release() {
	if g.job != 0 {
		windows.CloseHandle(g.job)
		g.job = 0
	}
}

func exitStatus(ps *os.ProcessState) (code int, sig os.Signal) {
	return ps.ExitCode(), nil
}
