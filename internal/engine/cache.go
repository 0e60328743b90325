package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/ownfile"
)

// cacheVersion changes when the file layout does; other versions are
// ignored like corrupt files.
const cacheVersion = 1

// record is one profile's cache file: the last good credentials and the
// state of the login cooldown. Both are rewritten together, atomically.
type record struct {
	Version   int    `json:"version"`
	Profile   string `json:"profile"`
	SourceKey string `json:"source"`

	Credentials *cachedCreds `json:"credentials,omitempty"`
	Cooldown    *cooldown    `json:"cooldown,omitempty"`
}

type cachedCreds struct {
	AccessKeyID     string     `json:"accessKeyId"`
	SecretAccessKey string     `json:"secretAccessKey"`
	SessionToken    string     `json:"sessionToken,omitempty"`
	Expiration      *time.Time `json:"expiration,omitempty"`
	IssuedAt        *time.Time `json:"issuedAt,omitempty"`
	ObtainedAt      time.Time  `json:"obtainedAt"`
	// VerifiedAt is when STS last accepted these credentials; nil when
	// never checked (their expiry was known).
	VerifiedAt *time.Time `json:"verifiedAt,omitempty"`
	Identity   string     `json:"identity,omitempty"`
}

func (c *cachedCreds) value() creds.Credentials {
	v := creds.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.Expiration != nil {
		v.Expiration = *c.Expiration
	}
	if c.IssuedAt != nil {
		v.IssuedAt = *c.IssuedAt
	}
	return v
}

func newCachedCreds(v creds.Credentials, now time.Time) *cachedCreds {
	c := &cachedCreds{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken, ObtainedAt: now}
	if v.HasExpiration() {
		exp := v.Expiration
		c.Expiration = &exp
	}
	if !v.IssuedAt.IsZero() {
		at := v.IssuedAt
		c.IssuedAt = &at
	}
	return c
}

// freshness is what p says about the cached credentials.
func (c *cachedCreds) freshness(p Policy) Freshness {
	return p.Freshness(c.value(), c.ObtainedAt)
}

// cache reads and writes records under one directory. It is a value: a
// call that finds the directory unusable goes on with its own copy emptied,
// and the next call tries the directory again.
type cache struct {
	dir string // "" disables the cache
}

// safeName replaces each run of characters other than ASCII letters,
// digits, '.', '_' and '-' in a profile name with one '_'.
func safeName(profile string) string {
	var b strings.Builder
	run := false
	for _, r := range profile {
		ok := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		switch {
		case ok:
			b.WriteRune(r)
		case !run:
			b.WriteByte('_')
		}
		run = !ok
	}
	return b.String()
}

// path names the file for a profile and source: readable, and unique even
// for profiles whose names differ only in characters we replace.
func (c cache) path(profile, sourceKey, ext string) string {
	sum := sha256.Sum256([]byte(profile + "\x00" + sourceKey))
	name := safeName(profile)
	if len(name) > 64 {
		name = name[:64]
	}
	return filepath.Join(c.dir, name+"-"+hex.EncodeToString(sum[:6])+ext)
}

// lockPath is per profile, not per source: two sources of one profile
// (different settings) must still not refresh at once.
func (c cache) lockPath(profile string) string {
	sum := sha256.Sum256([]byte(profile))
	name := safeName(profile)
	if len(name) > 64 {
		name = name[:64]
	}
	return filepath.Join(c.dir, name+"-"+hex.EncodeToString(sum[:6])+".lock")
}

// load returns the record, or an empty one when the file is missing,
// unreadable, corrupt, from another version, or not the user's own
// (errUntrustedCache): a cache is never trusted more than a fresh
// retrieval. Neither is a directory that is not the user's own and
// private (errUntrustedCacheDir).
func (c cache) load(profile, sourceKey string) (record, error) {
	empty := record{Version: cacheVersion, Profile: profile, SourceKey: sourceKey}
	if c.dir == "" {
		return empty, nil
	}
	fi, err := os.Stat(c.dir)
	if errors.Is(err, os.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, err
	}
	if err := dirProblem(fi); err != nil {
		return empty, err
	}
	data, err := readRecord(c.path(profile, sourceKey, ".json"))
	if errors.Is(err, os.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return empty, err
	}
	var r record
	if json.Unmarshal(data, &r) != nil || r.Version != cacheVersion || r.Profile != profile || r.SourceKey != sourceKey {
		return empty, errCorruptCache
	}
	if r.Credentials != nil && (r.Credentials.AccessKeyID == "" || r.Credentials.SecretAccessKey == "") {
		r.Credentials = nil
	}
	return r, nil
}

var errCorruptCache = errors.New("cache file is corrupt; ignoring it")

// The cache holds credentials the engine serves as the user's: a file or
// directory someone else owns or can write may hold keys the user never
// obtained (an attacker's, to see what the user's programs do with them).
var (
	errUntrustedCache    = errors.New("untrusted cache file")
	errUntrustedCacheDir = errors.New("untrusted cache directory")
)

// maxRecordSize bounds a record read: a real one is under a kilobyte.
const maxRecordSize = 1 << 20

// readRecord reads a record file that is the user's own, a regular file
// only they can write.
func readRecord(path string) ([]byte, error) {
	f, err := openRecord(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, errCorruptCache
	case ownfile.OthersCanWrite(fi, false) != nil:
		return nil, fmt.Errorf("%w %s: others can write it (mode %04o)", errUntrustedCache, path, fi.Mode().Perm())
	}
	if err := ownfile.NotOwn(fi, false); err != nil {
		return nil, fmt.Errorf("%w %s: %w", errUntrustedCache, path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err == nil && len(data) > maxRecordSize {
		return nil, errCorruptCache
	}
	return data, err
}

// dirProblem says why the cache directory fi must not be used: it is not
// a directory, another user owns it, or others can write it (and so
// replace its files).
func dirProblem(fi fs.FileInfo) error {
	if !fi.IsDir() {
		return fmt.Errorf("%w: not a directory", errUntrustedCacheDir)
	}
	if err := ownfile.NotOwn(fi, false); err != nil {
		return fmt.Errorf("%w: %w", errUntrustedCacheDir, err)
	}
	if ownfile.OthersCanWrite(fi, false) != nil {
		return fmt.Errorf("%w: others can write it (mode %04o)", errUntrustedCacheDir, fi.Mode().Perm())
	}
	return nil
}

// prepare makes the directory ready for a locked call: created private
// when missing; made private when it is the user's own but others can
// write it (it is awsfresh's own directory: nothing else needs to write
// there), saying so in note; refused when it belongs to another user.
func (c cache) prepare() (note string, err error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return "", err
	}
	fi, err := os.Stat(c.dir)
	if err != nil {
		return "", err
	}
	problem := dirProblem(fi)
	if problem == nil || !fi.IsDir() || ownfile.NotOwn(fi, false) != nil {
		return "", problem
	}
	// The user's own directory, that others can write.
	if err := os.Chmod(c.dir, 0o700); err != nil {
		return "", fmt.Errorf("%w; making it private: %w", problem, err)
	}
	return fmt.Sprintf("others could write the cache directory %s (mode %04o); made it private (0700)", c.dir, fi.Mode().Perm()), nil
}

// store replaces the record atomically: a reader, or a process killed in
// the middle, sees either the old or the new complete file.
func (c cache) store(r record) error {
	if c.dir == "" {
		return nil
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	// Temporary files a process killed in the middle of a store left
	// behind hold secrets: remove them (only old ones, a younger one may
	// be a store in progress).
	atomicfile.RemoveStale(c.dir, time.Minute)
	return atomicfile.Write(c.path(r.Profile, r.SourceKey, ".json"), data)
}

// DefaultCacheDir is where the engine keeps its cache: awsfresh under the
// user cache directory (~/.cache/awsfresh, ~/Library/Caches/awsfresh),
// or $AWSFRESH_CACHE_DIR when set.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("AWSFRESH_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "awsfresh"), nil
}
