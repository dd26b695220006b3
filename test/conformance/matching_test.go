package conformance

import (
	"encoding/json"
	"os"
	"testing"

	"k8s.io/kubernetes/pkg/credentialprovider"
)

// matchRow is one row of the matching table pullkey's own unit tests share.
type matchRow struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern"`
	Image   string `json:"image"`
	Match   bool   `json:"match"`
	Why     string `json:"why"`
}

// The shared table must say what the kubelet says: matchImages and auth keys
// are both decided by credentialprovider.URLsMatchStr. A parse error counts
// as no match, as in the kubelet (the keyring and isImageAllowed skip it).
func TestTheMatchingTableAgreesWithTheKubelet(t *testing.T) {
	path := pathFromEnv(envMatchTable, "../fixtures/matching/kubelet-match.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the matching table is missing (set %s): %v", envMatchTable, err)
	}
	var rows []matchRow
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", path)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		if seen[row.Name] {
			t.Errorf("row name %q is used twice", row.Name)
		}
		seen[row.Name] = true
		t.Run(row.Name, func(t *testing.T) {
			got, err := credentialprovider.URLsMatchStr(row.Pattern, row.Image)
			if err != nil {
				t.Logf("URLsMatchStr(%q, %q): %v", row.Pattern, row.Image, err)
				got = false
			}
			if got != row.Match {
				t.Errorf("URLsMatchStr(%q, %q) = %v, the table says %v (%s)", row.Pattern, row.Image, got, row.Match, row.Why)
			}
		})
	}
}
