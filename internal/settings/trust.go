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

// TrustStore records which project settings files the user trusted: by
// where the file is found — the project directory with symbolic links
// resolved, then ".claude" and the file's name as they are — and by the
// SHA-256 of its exact content. A settings file (or .claude folder) that
// is a symbolic link to another project's trusted file is therefore not
// trusted here: relative commands would run this project's scripts. It is
// a JSON file written with mode 0600 in a directory created with mode
// 0700, replaced atomically (temporary file and rename). A missing file is
// an empty store. Concurrent Trust calls are last writer wins: the store
// is never corrupted, but one of the records may be lost.
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

// Trusted is what [TrustStore.TrustFile] recorded.
type Trusted struct {
	Path   string // the file's absolute path
	SHA256 string // lowercase hex SHA-256 of the content trusted
	// Settings is what the file sets, parsed from the very bytes hashed,
	// so that the caller can show the user what they trusted.
	Settings *FileSettings
}

// Trust records the file at path as trusted with its current exact
// content and returns the content's lowercase hex SHA-256.
func (t *TrustStore) Trust(path string) (sum string, err error) {
	tr, err := t.TrustFile(path)
	if err != nil {
		return "", err
	}
	return tr.SHA256, nil
}

// TrustFile records the file at path as trusted with its current exact
// content. The file must be one awsfresh would read: a regular file of at
// most MaxFileSize (else a *FileError), owned by the user and not writable
// by others, nor in such a .claude folder (else an *IgnoredError), and
// valid settings (else the parse error): trusting anything else would
// have no effect.
func (t *TrustStore) TrustFile(path string) (*Trusted, error) {
	abs, data, err := readForTrust(path)
	if err != nil {
		return nil, err
	}
	fset, err := Parse(abs, data)
	if err != nil {
		return nil, err
	}
	tf, err := t.load()
	if err != nil {
		return nil, err
	}
	sum := sha256Hex(data)
	tf.Files[trustKey(abs)] = trustRecord{SHA256: sum, TrustedAt: time.Now().UTC().Truncate(time.Second)}
	if err := t.save(tf); err != nil {
		return nil, err
	}
	return &Trusted{Path: abs, SHA256: sum, Settings: fset}, nil
}

// IsTrusted reports whether the file at path is trusted: its current
// content hashes to the value recorded for where it is. A file never
// trusted, or changed since, is not trusted. Errors are for an unreadable
// file or store.
func (t *TrustStore) IsTrusted(path string) (bool, error) {
	abs, data, err := readForTrust(path)
	if err != nil {
		return false, err
	}
	rec, ok, err := t.lookup(trustKey(abs))
	if err != nil || !ok {
		return false, err
	}
	return rec.SHA256 == sha256Hex(data), nil
}

// CheckTrust returns nil when none of values needs trust (see
// [Value.NeedsTrust]; nil values are skipped) or when the user trusted, in
// t, the parsed content (File.SHA256, the hash of the bytes Load read) of
// each file they come from. Otherwise it returns an *UntrustedError for
// the first value that is not trusted, or an error when the store cannot
// be read. A nil t trusts nothing. The store is read at most once, and
// only when a value needs trust.
func (s *Settings) CheckTrust(t *TrustStore, values ...*Value) error {
	var tf *trustFile
	for _, v := range values {
		if !v.NeedsTrust() {
			continue
		}
		untrusted := &UntrustedError{Path: v.File.Path, Key: v.Key}
		if v.Shadows != nil {
			untrusted.Shadows = v.Shadows.File.Path
		}
		if t == nil || v.File.SHA256 == "" {
			return untrusted
		}
		if tf == nil {
			var err error
			if tf, err = t.load(); err != nil {
				return err
			}
		}
		rec, ok := tf.Files[trustKey(v.File.Path)]
		if ok && rec.SHA256 == v.File.SHA256 {
			continue
		}
		untrusted.Changed = ok
		return untrusted
	}
	return nil
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

// readForTrust reads a file to be trusted, with the checks Load applies
// to a project file, and returns its absolute path and content.
func readForTrust(path string) (abs string, data []byte, err error) {
	abs = absClean(path)
	if dir := filepath.Dir(abs); filepath.Base(dir) == ".claude" {
		if err := checkDir(dir); err != nil {
			return "", nil, err
		}
	}
	data, fi, err := readSettingsFile(abs)
	if fi != nil && fi.Mode().IsRegular() {
		if err := checkOwner(fi); err != nil {
			return "", nil, &IgnoredError{Path: abs, Err: err}
		}
	}
	if err != nil {
		return "", nil, &FileError{Path: abs, Scope: Project, Err: err}
	}
	return abs, data, nil
}

// trustKey is where the store records the settings file at path: the
// project directory (two levels up) with symbolic links resolved, so that
// one project has one key however it is reached, then the .claude folder
// and the file's name as found, so that a link to another project's file
// is not that file.
func trustKey(path string) string {
	p := absClean(path)
	claude := filepath.Dir(p)
	project := filepath.Dir(claude)
	if r, err := filepath.EvalSymlinks(project); err == nil {
		project = r
	}
	return filepath.Join(project, filepath.Base(claude), filepath.Base(p))
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
