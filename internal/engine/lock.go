package engine

import (
	"context"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lockProfile takes the profile's cross-process lock, waiting until ctx is
// done. flock(2) locks belong to open file descriptions, so two goroutines
// of one process exclude each other as two processes do. The lock is
// released by the kernel if the process dies.
func (e *Engine) lockProfile(ctx context.Context) (unlock func(), err error) {
	if e.cache.dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(e.cache.dir, 0o700); err != nil {
		return nil, err
	}
	l := flock.New(e.cache.lockPath(e.opts.Profile))
	ok, err := l.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ctx.Err()
	}
	return func() { _ = l.Unlock() }, nil
}
