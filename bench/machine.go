//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the numbers were measured.
type machine struct {
	date      time.Time
	nproc     int
	cpu       string
	memory    string
	goVersion string
	kernel    string
	os        string
	awsCLI    string
	awsfresh  string
	commit    string
	// loadStart and loadEnd are the 1, 5 and 15 minute load averages when
	// the measurements began and ended: other work on the machine skews
	// wall-clock figures.
	loadStart, loadEnd string
}

// loadAvg returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func machineInfo(b *bench) machine {
	m := machine{
		date:      time.Now().UTC(),
		nproc:     runtime.NumCPU(), // the CPUs this process may run on, as nproc counts them
		cpu:       "unknown",
		memory:    "unknown",
		goVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		kernel:    "unknown",
		os:        runtime.GOOS,
		awsCLI:    "not found",
		loadStart: loadAvg(),
	}
	if out, err := exec.Command("nproc").Output(); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			m.nproc = n
		}
	}
	if v := fieldOf("/proc/cpuinfo", "model name", ':'); v != "" {
		m.cpu = v
	}
	if v := fieldOf("/proc/meminfo", "MemTotal", ':'); v != "" {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64); err == nil {
			m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(data))
	}
	if v := fieldOf("/etc/os-release", "PRETTY_NAME", '='); v != "" {
		m.os = strings.Trim(v, `"`)
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if b.aws != "" {
		if out, err := exec.Command(b.aws, "--version").CombinedOutput(); err == nil {
			m.awsCLI = strings.TrimSpace(string(out))
		}
	}
	if out, err := exec.Command(b.awsfresh, "--version").Output(); err == nil {
		m.awsfresh = strings.TrimSpace(string(out))
	}
	git := exec.Command("git", "rev-parse", "--short", "HEAD")
	git.Dir = b.root
	if out, err := git.Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		st := exec.Command("git", "status", "--porcelain", "--untracked-files=no")
		st.Dir = b.root
		if out, err := st.Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
			m.commit += " with uncommitted changes"
		}
	}
	return m
}

// fieldOf returns the value of the first "key<sep>value" line of a file,
// trimmed.
func fieldOf(path, key string, sep byte) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), string(sep))
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
