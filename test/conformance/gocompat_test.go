package conformance

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/kubernetes/pkg/credentialprovider"
)

// The Go rules pullkey writes once in TypeScript (provider/gocompat) against Go itself, row for
// row from the tables its unit tests read: the kubelet's ParseSchemelessURL, path/filepath.Match
// and time.ParseDuration, compiled by the harness's toolchain.
func TestTheGoRulesTablesAgreeWithGo(t *testing.T) {
	matchTable := pathFromEnv(envMatchTable, "../fixtures/matching/kubelet-match.json")
	dir := filepath.Join(filepath.Dir(matchTable), "..", "gocompat")

	var urls []struct {
		Name, Pattern string
		Error         *string
	}
	readRows(t, filepath.Join(dir, "url-parse.json"), &urls)
	for _, row := range urls {
		_, err := credentialprovider.ParseSchemelessURL(row.Pattern)
		want := ""
		if row.Error != nil {
			want = *row.Error
		}
		if got := errText(err); got != want {
			t.Errorf("url-parse %q: ParseSchemelessURL(%q) error %q, the table says %q", row.Name, row.Pattern, got, want)
		}
	}

	var globs []struct {
		Name, Pattern, Text string
		Result              any
	}
	readRows(t, filepath.Join(dir, "filepath-match.json"), &globs)
	for _, row := range globs {
		matched, err := filepath.Match(row.Pattern, row.Text)
		var got any = matched
		if err != nil {
			got = "bad pattern"
		}
		if got != row.Result {
			t.Errorf("filepath-match %q: Match(%q, %q) = %v, the table says %v", row.Name, row.Pattern, row.Text, got, row.Result)
		}
	}

	var durations []struct {
		Name, Text string
		Ms         *float64
		Error      *string
	}
	readRows(t, filepath.Join(dir, "durations.json"), &durations)
	for _, row := range durations {
		d, err := time.ParseDuration(row.Text)
		switch {
		case row.Error != nil && errText(err) != *row.Error:
			t.Errorf("durations %q: ParseDuration(%q) error %q, the table says %q", row.Name, row.Text, errText(err), *row.Error)
		case row.Ms != nil && (err != nil || math.Abs(float64(d)/1e6-*row.Ms) > 1e-9*math.Max(1, math.Abs(*row.Ms))):
			t.Errorf("durations %q: ParseDuration(%q) = %v (%v), the table says %v ms", row.Name, row.Text, d, err, *row.Ms)
		}
	}
}

func readRows(t *testing.T, path string, rows any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the Go rules table is missing: %v", err)
	}
	if err := json.Unmarshal(data, rows); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
