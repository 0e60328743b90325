//go:build !unix

package settings

// openFlags: other systems have no non-blocking open; the regular-file
// check after opening still applies.
const openFlags = 0
