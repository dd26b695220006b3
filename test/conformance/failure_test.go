package conformance

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// A broken source must cost the pod only pullkey's credentials: the kubelet
// logs an error that carries pullkey's one stderr line, returns nothing,
// caches nothing, and picks the credentials up once the file appears.
func TestABrokenSourceGivesNoCredentialsAndTheKubeletLogsTheErrorPullkeyPrinted(t *testing.T) {
	n := newNode(t, nodeOptions{
		Pullkey: teamARules,
		Files:   map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
		// team-a.token is missing.
		CountExecs: true,
	})
	tokenPath := n.path(pullkeyConfigDir, "team-a.token")
	stderrLine := pullkeyStderr(t, n, "docker.io/team-a/app")
	if !strings.Contains(stderrLine, tokenPath) {
		t.Errorf("pullkey's error should name the missing file %s so the operator can fix it: %q", tokenPath, stderrLine)
	}
	image := "docker.io/team-a/app:v1"
	r := n.kubelet(pull(image), pull(image), write(tokenPath, teamACredential.Password+"\n"), pull(image))

	for i, l := range r.Lookups[:2] {
		expectCredentials(t, l)
		// Failures are never cached: each lookup runs pullkey.
		expectExecs(t, l, i+1)
		if !containsAny(l.Errors, stderrLine) {
			t.Errorf("the kubelet's error does not carry pullkey's stderr line %q:\n%s", stderrLine, fmtLookup(l))
		}
	}
	expectCredentials(t, r.Lookups[2], teamACredential)
	expectExecs(t, r.Lookups[2], 3)
}

// pullkeyStderr runs pullkey the way the kubelet would for image and returns
// its stderr line, checking the failure contract on the way: non-zero exit,
// nothing on stdout, exactly one line on stderr.
func pullkeyStderr(t *testing.T, n *node, image string) string {
	t.Helper()
	cmd := exec.Command(pullkeyBin(t), "--config", n.pullkeyConfig)
	cmd.Stdin = strings.NewReader(`{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"` + image + `"}` + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("want pullkey to exit non-zero for %s, got %v", image, err)
	}
	if stdout.Len() != 0 {
		t.Errorf("want empty stdout on failure, got %d bytes", stdout.Len())
	}
	line := strings.TrimSuffix(stderr.String(), "\n")
	if line == "" || strings.Contains(line, "\n") {
		t.Fatalf("want exactly one line on stderr, got %q", stderr.String())
	}
	return line
}

func containsAny(haystacks []string, needle string) bool {
	for _, h := range haystacks {
		if strings.Contains(h, needle) {
			return true
		}
	}
	return false
}

// matchImages can send pullkey an image none of its rules covers. By default
// that is an error the operator sees in the kubelet log; with `unmatched:
// anonymous` pullkey answers with no credentials, quietly.
func TestAnImageNoRuleCoversGetsNoCredentialsWithAnErrorUnlessAnonymousIsAllowed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		unmatched string
		wantError bool
	}{
		{name: "default", unmatched: "", wantError: true},
		{name: "unmatched error", unmatched: "unmatched: error\n", wantError: true},
		{name: "unmatched anonymous", unmatched: "unmatched: anonymous\n", wantError: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, nodeOptions{
				Pullkey: `apiVersion: pullkey/v1
kind: PullkeyConfig
` + tc.unmatched + `rules:
  - name: team-a
    match: ["docker.io/team-a"]
    source:
      type: static
      username: robot
      passwordFile: team-a.token
`,
				Files: map[string]string{"team-a.token": teamACredential.Password + "\n"},
			})
			r := n.kubelet(pull("busybox"), pull("team-a/app"))
			expectCredentials(t, r.Lookups[0])
			if got := len(r.Lookups[0].Errors) > 0; got != tc.wantError {
				t.Errorf("want a kubelet error: %v, got:\n%s", tc.wantError, fmtLookup(r.Lookups[0]))
			}
			expectCredentials(t, r.Lookups[1], teamACredential)
		})
	}
}
