package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
	"github.com/awsfresh/awsfresh/internal/creds"
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
// unreadable, corrupt or from another version: a cache is never trusted
// more than a fresh retrieval.
func (c cache) load(profile, sourceKey string) (record, error) {
	empty := record{Version: cacheVersion, Profile: profile, SourceKey: sourceKey}
	if c.dir == "" {
		return empty, nil
	}
	data, err := os.ReadFile(c.path(profile, sourceKey, ".json"))
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
