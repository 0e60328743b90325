package source

import (
	"context"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// A Source retrieves credentials silently: it never opens a browser or
// prompts. Implementations are safe for concurrent use.
type Source interface {
	// Retrieve returns the current credentials.
	Retrieve(ctx context.Context) (creds.Credentials, error)
	// Describe says in a few words where credentials come from, for
	// messages and `awsfresh status`. It never contains a secret.
	Describe() string
	// Key identifies the source for caching: two sources with the same
	// Key yield the same credentials.
	Key() string
	// Region is the AWS region the source belongs to, or "".
	Region() string
}
