package cli

import (
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	a := "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5,\n  \"f\": 6,\n  \"g\": 7,\n  \"h\": 8,\n  \"i\": 9,\n  \"j\": 10\n}\n"
	b := strings.Replace(a, "\"b\": 2", "\"b\": 20", 1)
	b = strings.Replace(b, "  \"j\": 10\n", "  \"j\": 10,\n  \"k\": 11\n", 1)
	want := `--- old
+++ new
@@ -1,6 +1,6 @@
 {
   "a": 1,
-  "b": 2,
+  "b": 20,
   "c": 3,
   "d": 4,
   "e": 5,
@@ -8,5 +8,6 @@
   "g": 7,
   "h": 8,
   "i": 9,
-  "j": 10
+  "j": 10,
+  "k": 11
 }
`
	if got := unifiedDiff("old", "new", a, b); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := unifiedDiff("old", "new", a, a); got != "" {
		t.Errorf("equal inputs: %q", got)
	}
	want = "--- old\n+++ new\n@@ -0,0 +1,3 @@\n+{\n+  \"x\": 1\n+}\n"
	if got := unifiedDiff("old", "new", "", "{\n  \"x\": 1\n}\n"); got != want {
		t.Errorf("new file: got:\n%s\nwant:\n%s", got, want)
	}
	// Changes close together share one hunk.
	c := strings.Replace(a, "\"d\": 4", "\"d\": 40", 1)
	c = strings.Replace(c, "\"f\": 6", "\"f\": 60", 1)
	if got := unifiedDiff("old", "new", a, c); strings.Count(got, "@@ -") != 1 || !strings.Contains(got, "@@ -2,9 +2,9 @@") {
		t.Errorf("one hunk expected:\n%s", got)
	}
}
