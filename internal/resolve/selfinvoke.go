package resolve

import (
	"path/filepath"
	"strings"
)

// InvokesAwsfresh reports whether the shell command line command runs
// awsfresh's own refresh or export, so that the caller can skip it rather
// than recurse into itself.
//
// The command's first simple command is split into words as a POSIX shell
// would (quotes and backslashes; it stops at an unquoted ;, &, |, newline
// or comment). Leading VAR=value assignments and the prefixes exec,
// command, nohup and env (with env's options and assignments) are skipped.
// The next word must be awsfresh: its base name is "awsfresh" or
// "awsfresh.exe", or it equals self (the running executable's path; ""
// matches nothing). Then the first later word that is an awsfresh
// subcommand decides: refresh or export give true; exec, status, demo,
// trust, help, version, completion, or a "--", give false. Values of the
// global flags --profile, --settings, --timeout, --command and --format
// are not taken for subcommands. "sh -c SCRIPT" (also bash, zsh, dash,
// ksh) is looked into once more.
//
// It inspects text only; it runs and stats nothing.
func InvokesAwsfresh(command string, self string) bool {
	return invokesAwsfresh(command, self, 0)
}

func invokesAwsfresh(command, self string, depth int) bool {
	words := shellWords(command)
	i := skipPrefixes(words)
	if i >= len(words) {
		return false
	}
	prog := words[i]
	if script, ok := shellScript(prog, words[i+1:]); ok {
		return depth < 3 && invokesAwsfresh(script, self, depth+1)
	}
	if !isAwsfresh(prog, self) {
		return false
	}
	args := words[i+1:]
	for j := 0; j < len(args); j++ {
		switch w := args[j]; w {
		case "refresh", "export":
			return true
		case "--", "exec", "status", "demo", "trust", "help", "version", "completion":
			return false
		case "--profile", "--settings", "--timeout", "--command", "--format":
			j++ // skip the flag's value
		}
	}
	return false
}

// skipPrefixes returns the index of the first word that is the program.
func skipPrefixes(words []string) int {
	i := 0
	for i < len(words) {
		switch w := words[i]; {
		case isAssignment(w):
			i++
		case w == "exec" || w == "command" || w == "nohup":
			i++
			for i < len(words) && strings.HasPrefix(words[i], "-") {
				if words[i] == "-a" { // exec -a NAME
					i++
				}
				i++
			}
		case w == "env":
			i++
			for i < len(words) && strings.HasPrefix(words[i], "-") {
				switch words[i] {
				case "--":
					return i + 1
				case "-u", "-C", "--unset", "--chdir", "-S", "--split-string":
					i++ // option with a separate value
				}
				i++
			}
		default:
			return i
		}
	}
	return i
}

// shellScript returns the script of "sh -c SCRIPT" and the like.
func shellScript(prog string, args []string) (string, bool) {
	switch baseName(prog) {
	case "sh", "bash", "zsh", "dash", "ksh":
	default:
		return "", false
	}
	hasC := false
	for _, a := range args {
		if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "+") {
			if len(a) > 1 && a[1] != '-' && strings.ContainsRune(a[1:], 'c') {
				hasC = true
			}
			continue
		}
		if hasC {
			return a, true
		}
		return "", false
	}
	return "", false
}

func isAwsfresh(word, self string) bool {
	if self != "" && (word == self || filepath.Clean(word) == filepath.Clean(self)) {
		return true
	}
	base := baseName(word)
	return base == "awsfresh" || strings.EqualFold(base, "awsfresh.exe")
}

// baseName returns the last element of a slash- or backslash-separated path.
func baseName(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}

// isAssignment reports whether w is a shell variable assignment NAME=value.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// shellWords splits the first simple command of a POSIX shell command line
// into words, removing quotes. It does not expand anything.
func shellWords(s string) []string {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
	)
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			end()
		case c == '\n' || c == ';' || c == '&' || c == '|':
			end()
			return words
		case c == '#' && !inWord:
			return words
		case c == '<' || c == '>' || c == '(' || c == ')':
			end()
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				cur.WriteString(s[i+1:])
				i = len(s)
			} else {
				cur.WriteString(s[i+1 : i+1+j])
				i += j + 1
			}
		case c == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue // line continuation
					}
				}
				cur.WriteByte(s[i])
			}
		case c == '\\':
			if i+1 < len(s) {
				i++
				if s[i] == '\n' {
					continue // line continuation
				}
				inWord = true
				cur.WriteByte(s[i])
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	end()
	return words
}
