package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
)

// Scope says which kind of settings file a value came from. The constants
// are in precedence order: a lower Scope wins over a higher one.
type Scope int

// Scopes, highest precedence first.
const (
	Managed      Scope = iota + 1 // system-wide managed settings
	Flag                          // a --settings file
	ProjectLocal                  // <project>/.claude/settings.local.json
	Project                       // <project>/.claude/settings.json
	User                          // <configDir>/settings.json
)

// String returns "managed", "--settings", "project local", "project" or "user".
func (s Scope) String() string {
	switch s {
	case Managed:
		return "managed"
	case Flag:
		return "--settings"
	case ProjectLocal:
		return "project local"
	case Project:
		return "project"
	case User:
		return "user"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// NeedsTrust reports whether a command from a file of this scope runs only
// after the user trusted the file (the project's own files). Managed,
// --settings and user files are trusted implicitly.
func (s Scope) NeedsTrust() bool { return s == Project || s == ProjectLocal }

// File is one settings file that [Load] considered.
type File struct {
	Path   string // absolute path
	Scope  Scope
	Exists bool // false when the file does not exist (it was skipped)
	// Keys lists the used keys the file defines, as in FileSettings.Keys,
	// whether or not a higher-precedence file overrides them.
	Keys []string
	// SHA256 is the lowercase hex SHA-256 of the exact bytes that were read
	// and parsed; "" when the file does not exist.
	SHA256 string
	// Err is why a file that exists was not used: it could not be read, is
	// not a regular file of at most MaxFileSize, or is not valid settings
	// (a *FileError, *SyntaxError, *TypeError or *KeyError). What it would
	// set is unknown: see [Settings.Broken].
	Err error
	// Ignored is why a project file was left out for its owner or
	// permissions (an *IgnoredError); nil otherwise.
	Ignored error
}

// String describes the file, e.g. "project /p/.claude/settings.json", with
// " (not found)" appended when it does not exist.
func (f *File) String() string {
	if f == nil {
		return "<nil>"
	}
	s := f.Scope.String() + " " + f.Path
	switch {
	case f.Ignored != nil:
		s += " (ignored)"
	case f.Err != nil:
		s += " (unusable)"
	case !f.Exists:
		s += " (not found)"
	}
	return s
}

// Value is a setting's value and where it came from.
type Value struct {
	Value string
	Key   string // "awsAuthRefresh", "awsCredentialExport" or "env.NAME"
	File  *File  // the file that set it; one of Settings.Files
	// Shadows is the value of the same key in the next file down in
	// precedence, which this one replaces; nil when no other file sets it.
	Shadows *Value
}

// Settings is the merged result of all settings files.
type Settings struct {
	// Files lists every file considered, existing or not, in precedence
	// order (highest first).
	Files []*File
	// ProjectDir is the project directory whose .claude directory holds the
	// project files, or "" when none was found.
	ProjectDir string
	// AuthRefresh is the awsAuthRefresh command; nil when unset.
	AuthRefresh *Value
	// CredentialExport is the awsCredentialExport command; nil when unset.
	CredentialExport *Value
	// Env is the merged env: each name takes its value from the
	// highest-precedence file that defines it. Never nil.
	Env map[string]Value
	// Ignored lists the project folders and files left out because of
	// their owner or permissions (*IgnoredError), for warnings.
	Ignored []error
}

// Broken returns the files that exist but could not be used (File.Err
// set), in precedence order. They are not an error by themselves: what
// such a file would set is unknown, so the caller fails only when it needs
// a value the file might have set.
func (s *Settings) Broken() []*File {
	var broken []*File
	for _, f := range s.Files {
		if f.Err != nil {
			broken = append(broken, f)
		}
	}
	return broken
}

// LoadOptions says where [Load] looks for settings files.
type LoadOptions struct {
	// ProjectDir is where the search for the project's .claude directory
	// starts (the CLI passes its working directory); "" means os.Getwd().
	ProjectDir string
	// HomeDir is the user's home directory; "" means os.UserHomeDir().
	// The project search stops below it, and at a repository's root.
	HomeDir string
	// ConfigDir is Claude Code's user configuration directory; "" means
	// $CLAUDE_CONFIG_DIR when set, else HomeDir/.claude.
	ConfigDir string
	// Extra lists the --settings files in the order given; a later one wins
	// over an earlier one. Each must exist.
	Extra []string
	// ManagedPaths lists the managed settings files, highest precedence
	// first; nil means DefaultManagedPaths().
	ManagedPaths []string
}

// DefaultManagedPaths returns the platform's managed settings files.
func DefaultManagedPaths() []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"/Library/Application Support/ClaudeCode/managed-settings.json"}
	case "windows":
		return []string{`C:\Program Files\ClaudeCode\managed-settings.json`}
	default:
		return []string{"/etc/claude-code/managed-settings.json"}
	}
}

// Load finds, reads, parses and merges the settings files described by
// opts. A file that does not exist is skipped. A file that cannot be used
// — unreadable or not a regular file of at most MaxFileSize (*FileError),
// malformed (*SyntaxError), a used key of the wrong type (*TypeError), an
// unusable env entry (*KeyError) — is left out and recorded in its
// File.Err (see [Settings.Broken]), except a --settings file: the user
// named it, so any problem with it, including its absence, is Load's
// error.
//
// The project directory is the nearest of ProjectDir and its ancestors
// whose .claude directory holds settings.json or settings.local.json. The
// search stops at the root of a repository (a directory holding .git),
// below the home directory (whose .claude directory is the user's, even
// when CLAUDE_CONFIG_DIR moves the user settings elsewhere), or at the
// filesystem root; a .claude directory that is the user configuration
// directory is never a project's. A .claude directory or project file
// that belongs to someone else or that others can write is left out and
// listed in Settings.Ignored; the search goes on above an ignored .claude
// directory.
func Load(opts LoadOptions) (*Settings, error) {
	home := opts.HomeDir
	if home == "" {
		home, _ = os.UserHomeDir() // no home: no user file unless ConfigDir says where
	}
	home = absClean(home)

	configDir := opts.ConfigDir
	if configDir == "" {
		configDir = os.Getenv("CLAUDE_CONFIG_DIR")
	}
	if configDir == "" && home != "" {
		configDir = filepath.Join(home, ".claude")
	}
	configDir = absClean(configDir)

	start := opts.ProjectDir
	if start == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("settings: finding the project directory: %w", err)
		}
		start = wd
	}
	start = absClean(start)

	managed := opts.ManagedPaths
	if managed == nil {
		managed = DefaultManagedPaths()
	}

	s := &Settings{Env: map[string]Value{}}
	add := func(scope Scope, path string) {
		s.Files = append(s.Files, &File{Path: path, Scope: scope})
	}
	for _, p := range managed {
		add(Managed, absClean(p))
	}
	for i := len(opts.Extra) - 1; i >= 0; i-- {
		add(Flag, absClean(opts.Extra[i]))
	}
	projectClaude, found, ignored := findProject(start, home, configDir)
	s.Ignored = ignored
	if found {
		s.ProjectDir = filepath.Dir(projectClaude)
	}
	if projectClaude != "" {
		add(ProjectLocal, filepath.Join(projectClaude, "settings.local.json"))
		add(Project, filepath.Join(projectClaude, "settings.json"))
	}
	if configDir != "" {
		add(User, filepath.Join(configDir, "settings.json"))
	}

	for _, f := range s.Files {
		if (f.Scope == Project || f.Scope == ProjectLocal) && !found {
			continue // shown in Files, but there is no project to read
		}
		fset, err := readFile(f)
		var ie *IgnoredError
		switch {
		case errors.As(err, &ie):
			f.Ignored = err
			s.Ignored = append(s.Ignored, err)
		case err != nil && f.Scope == Flag:
			return nil, err
		case err != nil:
			f.Err = err
		case fset != nil:
			s.merge(f, fset)
		}
	}
	return s, nil
}

// readFile reads and parses f, filling in Exists, SHA256 and Keys. It
// returns nil, nil when the file does not exist and may be skipped, and an
// *IgnoredError for a project file that fails the ownership check.
func readFile(f *File) (*FileSettings, error) {
	data, fi, err := readSettingsFile(f.Path)
	if err != nil && f.Scope != Flag && isNotExist(err) {
		return nil, nil
	}
	f.Exists = true
	if fi != nil && fi.Mode().IsRegular() && f.Scope.NeedsTrust() {
		if err := checkOwner(fi); err != nil {
			return nil, &IgnoredError{Path: f.Path, Err: err}
		}
	}
	if err != nil {
		return nil, &FileError{Path: f.Path, Scope: f.Scope, Err: err}
	}
	f.SHA256 = sha256Hex(data)
	fset, err := Parse(f.Path, data)
	if err != nil {
		return nil, err
	}
	f.Keys = fset.Keys
	return fset, nil
}

// merge adds the values of f, which comes after every file merged so far
// in precedence order: a key already set keeps its value and records the
// first value it replaces.
func (s *Settings) merge(f *File, fset *FileSettings) {
	command := func(cur **Value, key, value string) {
		if value == "" {
			return
		}
		v := &Value{Value: value, Key: key, File: f}
		switch {
		case *cur == nil:
			*cur = v
		case (*cur).Shadows == nil:
			(*cur).Shadows = v
		}
	}
	command(&s.AuthRefresh, KeyAuthRefresh, fset.AuthRefresh)
	command(&s.CredentialExport, KeyCredentialExport, fset.CredentialExport)
	for name, value := range fset.Env {
		v := Value{Value: value, Key: KeyEnv + "." + name, File: f}
		cur, ok := s.Env[name]
		switch {
		case !ok:
			s.Env[name] = v
		case cur.Shadows == nil:
			cur.Shadows = &v
			s.Env[name] = cur
		}
	}
}

// EnvValues returns the env values with the given names (all of them when
// none is given), sorted by name.
func (s *Settings) EnvValues(names ...string) []*Value {
	if len(names) == 0 {
		for name := range s.Env {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var values []*Value
	for _, name := range names {
		if v, ok := s.Env[name]; ok {
			values = append(values, &v)
		}
	}
	return values
}

// EnvList returns the merged env as "NAME=value" strings sorted by name,
// ready to append to an exec.Cmd's Env.
func (s *Settings) EnvList() []string {
	names := make([]string, 0, len(s.Env))
	for name := range s.Env {
		names = append(names, name)
	}
	sort.Strings(names)
	list := make([]string, len(names))
	for i, name := range names {
		list[i] = name + "=" + s.Env[name].Value
	}
	return list
}

// findProject returns the project's .claude directory and true, or, when
// no project is found, the .claude directory of start and false (or ""
// when start is the home directory or its .claude directory is the user
// configuration directory). The home directory's own .claude directory is
// never a project's; the search ends at a repository's root. ignored lists
// the .claude directories passed over for their owner or permissions.
func findProject(start, home, configDir string) (claudeDir string, found bool, ignored []error) {
	isHome := func(dir string) bool { return home != "" && sameDir(dir, home) }
	isConfig := func(cd string) bool { return configDir != "" && sameDir(cd, configDir) }
	for dir := start; !isHome(dir); {
		cd := filepath.Join(dir, ".claude")
		if isConfig(cd) {
			break // user settings, never a project's
		}
		if exists(filepath.Join(cd, "settings.json")) || exists(filepath.Join(cd, "settings.local.json")) {
			err := checkDir(cd)
			if err == nil {
				return cd, true, ignored
			}
			ignored = append(ignored, err)
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			// The repository's root (a .git folder, file, or even a broken
			// link): what is above is not the project's.
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	cd := filepath.Join(start, ".claude")
	if isHome(start) || isConfig(cd) {
		return "", false, ignored
	}
	return cd, false, ignored
}

// exists reports whether something is at path, without opening it.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// sameDir reports whether a and b name the same directory, by path or,
// through symbolic links, by identity.
func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(ia, ib)
}

func isNotExist(err error) bool {
	// ENOTDIR: a path component is a file, so the settings file cannot exist.
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// absClean makes p absolute and clean; "" stays "".
func absClean(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}
