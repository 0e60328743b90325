//go:build unix

package runcmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestShellItselfUnusable(t *testing.T) {
	dir := t.TempDir()
	noExec := filepath.Join(dir, "sh")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		shell string
		want  error
	}{
		{filepath.Join(dir, "missing-sh"), ErrNotFound},
		{noExec, ErrNotExecutable},
	}
	for _, tt := range tests {
		res, err := run(context.Background(), Options{Command: "exit 0"}, tt.shell)
		if !errors.Is(err, tt.want) || res == nil {
			t.Errorf("shell %s: err = %v, want %v", tt.shell, err, tt.want)
		}
	}
}
