package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/awsfresh/awsfresh/internal/atomicfile"
)

// An Edit sets one string value of a settings file.
type Edit struct {
	// Path is the member's key, or an object's key and the member's key
	// inside it: {"awsAuthRefresh"}, {"env", "AWS_REGION"}.
	Path  []string
	Value string
}

// ApplyEdits returns the settings file data with each edit's value set,
// changing nothing else: an existing member's value is replaced where it
// stands; a missing member is added at the end of its object in the style
// of that object (indentation, separators, line endings, one line or
// many); a missing object is created. Every other byte is kept, so other
// keys keep their order and the file its indentation. When a key appears
// more than once, the last one (the one JSON readers use) is edited.
//
// data must be a valid settings file: ApplyEdits returns [Parse]'s error
// (a *SyntaxError naming line and column, a *TypeError, …) for one that
// is not, and path is used in those errors only.
func ApplyEdits(path string, data []byte, edits []Edit) ([]byte, error) {
	if _, err := Parse(path, data); err != nil {
		return nil, err
	}
	bom := []byte{}
	if bytes.HasPrefix(data, utf8BOM) {
		bom, data = utf8BOM, data[len(utf8BOM):]
	}
	out := append([]byte(nil), data...)
	if len(trimJSONSpace(out)) == 0 {
		out = []byte("{}\n")
	}
	for _, e := range edits {
		if len(e.Path) == 0 || len(e.Path) > 2 {
			return nil, fmt.Errorf("settings: edit path %q: want one or two keys", e.Path)
		}
		var err error
		if out, err = applyEdit(out, e); err != nil {
			return nil, fmt.Errorf("settings: %s: %w", path, err)
		}
	}
	out = append(append([]byte{}, bom...), out...)
	if _, err := Parse(path, out); err != nil {
		return nil, fmt.Errorf("settings: editing %s produced invalid JSON (a bug in awsfresh): %w", path, err)
	}
	return out, nil
}

func applyEdit(data []byte, e Edit) ([]byte, error) {
	sc := &jsonScanner{data: data}
	sc.space()
	top, err := sc.object()
	if err != nil {
		return nil, err
	}
	style := top.style(data, "")
	value := encodeString(e.Value)
	m := top.last(e.Path[0])
	if len(e.Path) == 1 {
		if m != nil {
			return splice(data, m.valStart, m.valEnd, value), nil
		}
		return top.appendMember(data, style, e.Path[0], value), nil
	}
	if m == nil {
		inner := style.child()
		obj := newObject(inner, style.indent, e.Path[1], value)
		return top.appendMember(data, style, e.Path[0], obj), nil
	}
	if data[m.valStart] != '{' {
		return nil, fmt.Errorf("%q is not an object", e.Path[0])
	}
	sub := &jsonScanner{data: data, pos: m.valStart}
	obj, err := sub.object()
	if err != nil {
		return nil, err
	}
	lineIndent := indentOfLine(data, m.keyStart)
	objStyle := obj.style(data, lineIndent)
	if !objStyle.known {
		objStyle = style.child()
		objStyle.indent = lineIndent + style.unit
		if !style.multiline {
			objStyle.multiline = false
		}
	}
	if c := obj.last(e.Path[1]); c != nil {
		return splice(data, c.valStart, c.valEnd, value), nil
	}
	if len(obj.members) == 0 {
		return splice(data, obj.open, obj.close+1, newObject(objStyle, lineIndent, e.Path[1], value)), nil
	}
	return obj.appendMember(data, objStyle, e.Path[1], value), nil
}

// objectStyle is how an object lays out its members.
type objectStyle struct {
	known     bool   // taken from existing members, not guessed
	multiline bool   // one member per line
	indent    string // before each member, when multiline
	unit      string // one level of indentation
	colon     string // between key and value, e.g. ": "
	sep       string // between members on one line, e.g. ", "
	newline   string // "\n" or "\r\n"
}

// child is the style of an object nested one level deeper.
func (s objectStyle) child() objectStyle {
	c := s
	c.known = false
	c.indent = s.indent + s.unit
	return c
}

type jsonMember struct {
	key                string
	keyStart, keyEnd   int
	valStart, valEnd   int
	lineStartsWithKey  bool
	precedingSeparator string
}

type jsonObject struct {
	open, close int // offsets of '{' and '}'
	members     []jsonMember
}

// last returns the last member named key, or nil.
func (o *jsonObject) last(key string) *jsonMember {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return &o.members[i]
		}
	}
	return nil
}

// style reads the object's layout from its members; lineIndent is the
// indentation of the line the object starts on.
func (o *jsonObject) style(data []byte, lineIndent string) objectStyle {
	s := objectStyle{colon: ": ", sep: ", ", newline: "\n", unit: "  ", indent: lineIndent + "  ", multiline: true}
	if bytes.Contains(data, []byte("\r\n")) {
		s.newline = "\r\n"
	}
	if len(o.members) == 0 {
		s.multiline = bytes.ContainsAny(data[o.open:o.close], "\n") || lineIndent == "" && o.open == firstNonSpace(data)
		return s
	}
	s.known = true
	last := o.members[len(o.members)-1]
	s.colon = string(data[last.keyEnd:last.valStart])
	s.multiline = last.lineStartsWithKey
	if s.multiline {
		s.indent = indentOfLine(data, last.keyStart)
		if unit, ok := strings.CutPrefix(s.indent, lineIndent); ok && unit != "" {
			s.unit = unit
		}
	} else if len(o.members) > 1 {
		s.sep = last.precedingSeparator
	} else if !strings.HasSuffix(s.colon, " ") {
		s.sep = "," // compact: {"a":1}
	}
	return s
}

// appendMember inserts "key": value after the object's last member, or
// fills an empty object.
func (o *jsonObject) appendMember(data []byte, s objectStyle, key, value string) []byte {
	member := encodeString(key) + s.colon + value
	if len(o.members) == 0 {
		closing := indentOfLine(data, o.open)
		if s.multiline {
			return splice(data, o.open, o.close+1, "{"+s.newline+s.indent+member+s.newline+closing+"}")
		}
		return splice(data, o.open, o.close+1, "{"+member+"}")
	}
	at := o.members[len(o.members)-1].valEnd
	if s.multiline {
		return splice(data, at, at, ","+s.newline+s.indent+member)
	}
	return splice(data, at, at, s.sep+member)
}

// newObject is an object with one member, laid out in style s; closing is
// the indentation of its closing brace.
func newObject(s objectStyle, closing, key, value string) string {
	member := encodeString(key) + s.colon + value
	if !s.multiline {
		return "{" + member + "}"
	}
	return "{" + s.newline + s.indent + member + s.newline + closing + "}"
}

func splice(data []byte, from, to int, insert string) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(insert))
	out = append(out, data[:from]...)
	out = append(out, insert...)
	return append(out, data[to:]...)
}

// indentOfLine returns the blanks that start the line holding offset off.
func indentOfLine(data []byte, off int) string {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := start
	for end < off && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

func firstNonSpace(data []byte) int {
	return len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
}

// encodeString is s as a JSON string, with <, > and & left as they are
// (shell commands read better that way).
func encodeString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonScanner finds the byte spans of an object's members in JSON already
// known to be valid.
type jsonScanner struct {
	data []byte
	pos  int
}

var errScan = errors.New("unexpected JSON structure")

func (s *jsonScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScanner) object() (*jsonObject, error) {
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return nil, fmt.Errorf("%w: want an object", errScan)
	}
	o := &jsonObject{open: s.pos}
	s.pos++
	prevEnd := s.pos
	for {
		s.space()
		if s.pos >= len(s.data) {
			return nil, errScan
		}
		if s.data[s.pos] == '}' {
			o.close = s.pos
			s.pos++
			return o, nil
		}
		if s.data[s.pos] == ',' {
			s.pos++
			s.space()
		}
		m := jsonMember{keyStart: s.pos}
		between := s.data[prevEnd:s.pos]
		m.lineStartsWithKey = bytes.ContainsAny(between, "\n")
		m.precedingSeparator = string(between)
		raw, err := s.stringToken()
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &m.key); err != nil {
			return nil, fmt.Errorf("%w: %v", errScan, err)
		}
		m.keyEnd = s.pos
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return nil, fmt.Errorf("%w: want ':'", errScan)
		}
		s.pos++
		s.space()
		m.valStart = s.pos
		if err := s.skipValue(); err != nil {
			return nil, err
		}
		m.valEnd = s.pos
		prevEnd = s.pos
		o.members = append(o.members, m)
	}
}

func (s *jsonScanner) stringToken() ([]byte, error) {
	start := s.pos
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, fmt.Errorf("%w: want a string", errScan)
	}
	for s.pos++; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			s.pos++
		case '"':
			s.pos++
			return s.data[start:s.pos], nil
		}
	}
	return nil, fmt.Errorf("%w: unterminated string", errScan)
}

func (s *jsonScanner) skipValue() error {
	if s.pos >= len(s.data) {
		return errScan
	}
	switch s.data[s.pos] {
	case '"':
		_, err := s.stringToken()
		return err
	case '{', '[':
		depth := 0
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case '"':
				if _, err := s.stringToken(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.pos++
					return nil
				}
			}
			s.pos++
		}
		return errScan
	}
	for s.pos < len(s.data) && !strings.ContainsRune(" \t\r\n,}]", rune(s.data[s.pos])) {
		s.pos++
	}
	return nil
}

// WriteFile replaces the file at path with data atomically (a temporary
// file in the same directory, synced, then renamed over it), following a
// symbolic link at path so the link survives. An existing file keeps its
// mode and its previous content is saved first as path+".bak" (the link's
// target's name); a new file gets mode perm, in directories created with
// mode 0755. It returns the backup's path, or "" when there was no file.
func WriteFile(path string, data []byte, perm fs.FileMode) (backup string, err error) {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	old, err := os.ReadFile(target)
	switch {
	case err == nil:
		info, err := os.Stat(target)
		if err != nil {
			return "", err
		}
		perm = info.Mode().Perm()
		backup = target + ".bak"
		if err := atomicfile.WriteMode(backup, old, perm); err != nil {
			return "", fmt.Errorf("settings: keeping a backup of %s: %w", target, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", fmt.Errorf("settings: %w", err)
		}
	default:
		return "", fmt.Errorf("settings: %w", err)
	}
	if err := atomicfile.WriteMode(target, data, perm); err != nil {
		return "", fmt.Errorf("settings: writing %s: %w", target, err)
	}
	return backup, nil
}

// ErrOutsideProject is why a project's settings file is not written: a
// symbolic link (the .claude folder, or the file itself) leads out of the
// project, so writing it would change a file the project does not own.
var ErrOutsideProject = errors.New("a symbolic link leads outside the project")

// CheckInProject returns an error matching [ErrOutsideProject] unless
// path, with every symbolic link resolved (a dangling last one included:
// it names where a write would land), stays inside root, itself resolved.
// WriteFile follows links, which a user's own dotfiles may rely on; a
// project's links come with the repository and are checked with this
// first.
func CheckInProject(root, path string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	real, err := resolveLinks(path, 0)
	if err != nil {
		return fmt.Errorf("settings: resolving %s: %w", path, err)
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("settings: %s resolves to %s, outside %s: %w", path, real, realRoot, ErrOutsideProject)
	}
	return nil
}

// maxLinks bounds the links resolveLinks follows, as the kernel does.
const maxLinks = 40

// resolveLinks is filepath.EvalSymlinks for a path that may not exist
// yet: the existing part is resolved, and a dangling link is followed to
// where it points.
func resolveLinks(path string, depth int) (string, error) {
	if depth > maxLinks {
		return "", errors.New("too many levels of symbolic links")
	}
	real, err := filepath.EvalSymlinks(path)
	switch {
	case err == nil:
		return real, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	parent := filepath.Dir(path)
	if parent == path {
		return path, nil
	}
	realParent, err := resolveLinks(parent, depth+1)
	if err != nil {
		return "", err
	}
	p := filepath.Join(realParent, filepath.Base(path))
	target, err := os.Readlink(p)
	if err != nil {
		return p, nil // not there yet: a write creates it here
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(realParent, target)
	}
	return resolveLinks(target, depth+1)
}
