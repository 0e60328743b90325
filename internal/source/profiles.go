package source

import (
	"fmt"
	"strings"
)

// ProfileNotFoundError reports a profile that the shared config and
// credentials files do not define, with the profiles they do define and
// the closest of them to the name asked for.
type ProfileNotFoundError struct {
	Name       string
	Known      []string // sorted; empty when the files define none
	Suggestion string   // "" when no known profile is close
}

// Error returns, for example, `profile "devv" does not exist; did you mean
// "dev"? (profiles: default, dev, prod)`.
func (e *ProfileNotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %q does not exist", e.Name)
	if e.Suggestion != "" {
		fmt.Fprintf(&b, "; did you mean %q?", e.Suggestion)
	}
	if len(e.Known) == 0 {
		b.WriteString(" (the shared config and credentials files define no profile)")
	} else {
		fmt.Fprintf(&b, " (profiles: %s)", strings.Join(e.Known, ", "))
	}
	return b.String()
}

// NewProfileNotFoundError lists the profiles of the shared files and picks
// the closest to name. A file that cannot be read leaves the list empty.
func NewProfileNotFoundError(name string) *ProfileNotFoundError {
	known, _ := ListProfiles()
	return &ProfileNotFoundError{Name: name, Known: known, Suggestion: SuggestProfile(name, known)}
}

// SuggestProfile returns the known profile name closest to name, or ""
// when none is close: one that differs only in case, that name is a
// prefix of (or the other way round), or that is within a small edit
// distance (a third of the longer name, at least one edit). Ties go to
// the earlier name in known.
func SuggestProfile(name string, known []string) string {
	if name == "" {
		return ""
	}
	lower := strings.ToLower(name)
	for _, k := range known {
		if k != name && strings.ToLower(k) == lower {
			return k
		}
	}
	best, bestDist := "", -1
	for _, k := range known {
		if k == name {
			continue
		}
		kl := strings.ToLower(k)
		d := editDistance(lower, kl)
		limit := max(1, max(len([]rune(lower)), len([]rune(kl)))/3)
		if d > limit && !(len(lower) >= 2 && (strings.HasPrefix(kl, lower) || strings.HasPrefix(lower, kl))) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
