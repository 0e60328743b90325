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
// distance (a third of the longer name, at least one edit; a swap of two
// neighbouring letters is one edit). Ties go to
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

// editDistance is the optimal string alignment distance between a and b,
// in runes: insertions, deletions, substitutions and swaps of two
// neighbours ("dve" for "dev") each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j].
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
