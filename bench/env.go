//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// floorJSON is what the floor program (internal/cli/testdata/printcreds)
// prints, without its final newline. The export command of the benchmarks
// prints the same object, so a warm `awsfresh export` prints the same bytes.
const floorJSON = `{"Version":1,"AccessKeyId":"ASIABENCHMARK0000001","SecretAccessKey":"benchsecret","SessionToken":"benchtoken","Expiration":"2099-01-01T00:00:00Z"}`

// exportCommand prints floorJSON: an export command with no network.
const exportCommand = `printf '%s\n' '` + floorJSON + `'`

// home is a hermetic user: its own HOME, AWS files and awsfresh cache, and
// an environment with nothing of the real user's but PATH.
type home struct {
	dir string
	env []string
}

// newHome creates base/name and the environment of a user living there.
// extra entries ("NAME=value") are appended.
func newHome(base, name string, extra ...string) (*home, error) {
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		return nil, err
	}
	env := []string{
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-east-1",
		"AWS_PAGER=",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
		"AWSFRESH_CACHE_DIR=" + filepath.Join(dir, "awsfresh-cache"),
	}
	return &home{dir: dir, env: append(env, extra...)}, nil
}

// write creates a file under the home directory.
func (h *home) write(rel, content string) error {
	p := filepath.Join(h.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o600)
}

// run runs bin with args in the home's environment, bounded by a minute,
// and returns its stdout and how long it took from start to exit.
func (h *home) run(bin string, args ...string) ([]byte, time.Duration, error) {
	return runEnv(h.env, bin, args...)
}

func runEnv(env []string, bin string, args ...string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin := time.Now()
	err := cmd.Run()
	elapsed := time.Since(begin)
	if err != nil {
		return stdout.Bytes(), elapsed, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, lastLines(stderr.String(), 5))
	}
	return stdout.Bytes(), elapsed, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// exitCode returns the exit status carried by err, 0 for nil, -1 for
// anything else.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}
