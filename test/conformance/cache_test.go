package conformance

import (
	"testing"
	"time"
)

// Within cacheDuration the kubelet answers from its own cache and does not
// run pullkey; with one rule on the host pullkey answers cacheKeyType
// Registry, so another image on the same registry is served from the cache too.
func TestALookupWithinCacheDurationDoesNotRunPullkeyAgain(t *testing.T) {
	n := newNode(t, nodeOptions{
		Pullkey:    dockerHubRules,
		Files:      map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
		CountExecs: true,
	})
	r := n.kubelet(pull("busybox:1.36"), pull("busybox:1.37"), pull("nginx"))
	for i, wantExecs := range []int{1, 1, 1} {
		expectCredentials(t, r.Lookups[i], hubCredential)
		expectExecs(t, r.Lookups[i], wantExecs)
	}
}

// A rule's cacheDuration reaches the kubelet: after it passes, the next
// lookup runs pullkey again (the kubelet's expiry test is now.After(expiresAt)).
func TestALookupAfterTheRuleCacheDurationRunsPullkeyAgain(t *testing.T) {
	n := newNode(t, nodeOptions{
		Pullkey: `apiVersion: pullkey/v1
kind: PullkeyConfig
rules:
  - name: dockerhub
    match: ["docker.io"]
    cacheDuration: 1s
    source:
      type: dockerConfig
      path: docker-config.json
`,
		Files:      map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
		CountExecs: true,
	})
	r := n.kubelet(pull("busybox"), pull("busybox"), sleep(1500*time.Millisecond), pull("busybox"))
	for i, wantExecs := range []int{1, 1, 2} {
		expectCredentials(t, r.Lookups[i], hubCredential)
		expectExecs(t, r.Lookups[i], wantExecs)
	}
}

var teamACredential = credential{Username: "robot", Password: "team-a-token"}

// teamARules puts a path-scoped static rule before the host-wide rule.
const teamARules = `apiVersion: pullkey/v1
kind: PullkeyConfig
defaultCacheDuration: 1h
rules:
  - name: team-a
    match: ["docker.io/team-a"]
    source:
      type: static
      username: robot
      passwordFile: team-a.token
  - name: dockerhub
    match: ["docker.io"]
    source:
      type: dockerConfig
      path: docker-config.json
`

// Two rules on one host must not leak into each other through the kubelet's
// cache: a Registry-keyed answer for docker.io would hand team-a's robot to
// every Docker Hub image (or the reverse), so pullkey must key these by Image.
func TestPathScopedRulesOnOneHostKeepTheirOwnCredentialsThroughTheCache(t *testing.T) {
	hub, teamA := pull("busybox"), pull("docker.io/team-a/app:v1")
	for _, tc := range []struct {
		name  string
		steps []step
		want  []credential
		execs []int
	}{
		{
			name:  "team-a first",
			steps: []step{teamA, hub, teamA, hub, pull("team-a/other")},
			want:  []credential{teamACredential, hubCredential, teamACredential, hubCredential, teamACredential},
			execs: []int{1, 2, 2, 2, 3},
		},
		{
			name:  "docker hub first",
			steps: []step{hub, teamA, hub, teamA, pull("nginx")},
			want:  []credential{hubCredential, teamACredential, hubCredential, teamACredential, hubCredential},
			execs: []int{1, 2, 2, 2, 3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, nodeOptions{
				Pullkey: teamARules,
				Files: map[string]string{
					"docker-config.json": dockerLoginConfig(t, hubCredential),
					"team-a.token":       teamACredential.Password + "\n",
				},
				CountExecs: true,
			})
			r := n.kubelet(tc.steps...)
			for i := range tc.want {
				expectCredentials(t, r.Lookups[i], tc.want[i])
				expectExecs(t, r.Lookups[i], tc.execs[i])
			}
		})
	}
}
