package resolve

import "strings"

// AwsfreshCommand is what a command line that runs awsfresh asks of it.
type AwsfreshCommand struct {
	Subcommand string // "refresh", "export", "login", …; "" when none is given
	Profile    string // the --profile value; "" when not given
	Format     string // the --format value; "" when not given
	Command    string // the --command value; "" when not given
}

// awsfreshSubcommands are the words that name an awsfresh command.
var awsfreshSubcommands = map[string]bool{
	"refresh": true, "export": true, "exec": true, "status": true, "login": true, "doctor": true,
	"setup": true, "trust": true, "demo": true, "help": true, "version": true, "completion": true,
}

// ParseAwsfreshCommand reads the shell command line command the way
// [InvokesAwsfresh] does and, when its program is awsfresh (by base name,
// or self), returns its subcommand and its --profile and --format values.
// It inspects text only.
func ParseAwsfreshCommand(command, self string) (AwsfreshCommand, bool) {
	return parseAwsfresh(command, self, 0)
}

func parseAwsfresh(command, self string, depth int) (AwsfreshCommand, bool) {
	words := shellWords(command)
	i := skipPrefixes(words)
	if i >= len(words) {
		return AwsfreshCommand{}, false
	}
	if script, ok := shellScript(words[i], words[i+1:]); ok {
		if depth >= 3 {
			return AwsfreshCommand{}, false
		}
		return parseAwsfresh(script, self, depth+1)
	}
	if !isAwsfresh(words[i], self) {
		return AwsfreshCommand{}, false
	}
	var c AwsfreshCommand
	args := words[i+1:]
	for j := 0; j < len(args); j++ {
		w := args[j]
		if w == "--" {
			break
		}
		name, value, hasValue := strings.Cut(w, "=")
		switch name {
		case "--profile", "--format":
			if !hasValue {
				if j+1 >= len(args) {
					continue
				}
				j++
				value = args[j]
			}
			if name == "--profile" {
				c.Profile = value
			} else {
				c.Format = value
			}
			continue
		case "--command":
			if !hasValue && j+1 < len(args) {
				j++
				value = args[j]
			}
			c.Command = value
			continue
		case "--settings", "--timeout", "--region", "--log":
			if !hasValue {
				j++ // the flag's value is not a subcommand
			}
			continue
		}
		if c.Subcommand == "" && awsfreshSubcommands[w] {
			c.Subcommand = w
		}
	}
	return c, true
}

// CommandProgram returns the program a shell command line runs: its first
// simple command's program after variable assignments and the prefixes
// exec, command, nohup and env, looking once into "sh -c SCRIPT" (and the
// like). It returns "" for an empty command.
func CommandProgram(command string) string {
	for depth := 0; ; depth++ {
		words := shellWords(command)
		i := skipPrefixes(words)
		if i >= len(words) {
			return ""
		}
		script, ok := shellScript(words[i], words[i+1:])
		if !ok || depth >= 3 {
			return words[i]
		}
		command = script
	}
}
