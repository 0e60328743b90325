//go:build !unix

package engine

import "os"

func openRecord(path string) (*os.File, error) { return os.Open(path) }
