//go:build !unix

package settings

import "io/fs"

// openFlags: other systems have no non-blocking open; the regular-file
// check after opening still applies.
const openFlags = 0

// checkOwner accepts everything where POSIX ownership and modes do not
// exist; Windows ACLs are not inspected.
func checkOwner(fs.FileInfo) error { return nil }
