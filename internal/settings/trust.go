package settings

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
)

// TrustStore records which project settings files the user trusted, by
// absolute path (symbolic links resolved) and the SHA-256 of their exact
// content. It is a JSON file written with mode 0600 in a directory created
// with mode 0700, replaced atomically (temporary file and rename). A
// missing file is an empty store. Concurrent Trust calls are last writer
// wins: the store is never corrupted, but one of the records may be lost.
type TrustStore struct {
	Path string
}

// DefaultTrustStore returns the store at <os.UserConfigDir()>/awsfresh/trusted.json.
func DefaultTrustStore() (*TrustStore, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, fmt.Errorf("settings: locating the trust store: %w", err)
	}
	return &TrustStore{Path: filepath.Join(dir, "awsfresh", "trusted.json")}, nil
}

const trustStoreVersion = 1

type trustFile struct {
	Version int                    `json:"version"`
	Files   map[string]trustRecord `json:"files"`
}

type trustRecord struct {
	SHA256    string    `json:"sha256"`
	TrustedAt time.Time `json:"trustedAt"`
}

// Trust records the file at path as trusted with its current exact
// content and returns the content's lowercase hex SHA-256.
func (t *TrustStore) Trust(path string) (sum string, err error) {
	key, data, err := readForTrust(path)
	if err != nil {
		return "", err
	}
	sum = sha256Hex(data)
	tf, err := t.load()
	if err != nil {
		return "", err
	}
	tf.Files[key] = trustRecord{SHA256: sum, TrustedAt: time.Now().UTC().Truncate(time.Second)}
	if err := t.save(tf); err != nil {
		return "", err
	}
	return sum, nil
}

// IsTrusted reports whether the file at path is trusted: its current
// content hashes to the recorded value. A file never trusted, or changed
// since, is not trusted. Errors are for an unreadable file or store.
func (t *TrustStore) IsTrusted(path string) (bool, error) {
	key, data, err := readForTrust(path)
	if err != nil {
		return false, err
	}
	rec, ok, err := t.lookup(key)
	if err != nil || !ok {
		return false, err
	}
	return rec.SHA256 == sha256Hex(data), nil
}

// CheckTrust returns nil when v is nil, comes from a file that needs no
// trust (managed, --settings, user), or comes from a project file whose
// parsed content (File.SHA256, the hash of the bytes Load read) the user
// trusted in t. Otherwise it returns an *UntrustedError naming the file
// and the command to trust it, or an error when the store cannot be read.
// A nil t trusts nothing.
//
// It is meant for the awsAuthRefresh and awsCredentialExport commands; it
// works for env values too, should the caller decide to require trust for
// them.
func (s *Settings) CheckTrust(t *TrustStore, v *Value) error {
	if v == nil || v.File == nil || !v.File.Scope.NeedsTrust() {
		return nil
	}
	untrusted := &UntrustedError{Path: v.File.Path, Key: v.Key}
	if t == nil || v.File.SHA256 == "" {
		return untrusted
	}
	rec, ok, err := t.lookup(canonicalPath(v.File.Path))
	if err != nil {
		return err
	}
	if ok && rec.SHA256 == v.File.SHA256 {
		return nil
	}
	untrusted.Changed = ok
	return untrusted
}

func (t *TrustStore) lookup(key string) (trustRecord, bool, error) {
	tf, err := t.load()
	if err != nil {
		return trustRecord{}, false, err
	}
	rec, ok := tf.Files[key]
	return rec, ok, nil
}

func (t *TrustStore) load() (*trustFile, error) {
	tf := &trustFile{Version: trustStoreVersion, Files: map[string]trustRecord{}}
	data, err := os.ReadFile(t.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return tf, nil
	}
	if err != nil {
		return nil, &TrustStoreError{Path: t.Path, Op: "read", Err: err}
	}
	if err := json.Unmarshal(data, tf); err != nil {
		return nil, &TrustStoreError{Path: t.Path, Op: "parse", Err: err}
	}
	if tf.Version != trustStoreVersion {
		return nil, &TrustStoreError{Path: t.Path, Op: "parse", Err: fmt.Errorf("unsupported version %d", tf.Version)}
	}
	if tf.Files == nil {
		tf.Files = map[string]trustRecord{}
	}
	return tf, nil
}

func (t *TrustStore) save(tf *trustFile) (err error) {
	wrap := func(err error) error { return &TrustStoreError{Path: t.Path, Op: "write", Err: err} }
	data, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return wrap(err)
	}
	data = append(data, '\n')
	if err := atomicfile.Write(t.Path, data); err != nil {
		return wrap(err)
	}
	return nil
}

// readForTrust reads the file at path and returns its store key and content.
func readForTrust(path string) (key string, data []byte, err error) {
	key = canonicalPath(path)
	data, err = os.ReadFile(key)
	if err != nil {
		return "", nil, fmt.Errorf("settings: %w", err)
	}
	return key, data, nil
}

// canonicalPath makes path absolute and resolves symbolic links when it can,
// so one file has one key whichever way it is named.
func canonicalPath(path string) string {
	p := absClean(path)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
