package conformance

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

var hubCredential = credential{Username: "hub-user", Password: "hub-password"}

// dockerHubRules sends every Docker Hub image to a docker config file.
const dockerHubRules = `apiVersion: pullkey/v1
kind: PullkeyConfig
rules:
  - name: dockerhub
    match: ["docker.io"]
    source:
      type: dockerConfig
      path: docker-config.json
`

// dockerLoginConfig is the config.json `docker login` writes for Docker Hub:
// the legacy index URL as the key and base64 "user:password" as auth.
func dockerLoginConfig(t *testing.T, c credential) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))
	data, err := json.MarshalIndent(map[string]any{
		"auths": map[string]any{"https://index.docker.io/v1/": map[string]string{"auth": auth}},
	}, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// dockerHubShortNames are Docker Hub images as pod specs write them: the
// kubelet normalises each to docker.io/<namespace>/<repository> before it asks
// any provider, so every source must answer for those forms.
var dockerHubShortNames = []string{
	"busybox",
	"library/busybox:1.36",
	"myorg/app@sha256:" + strings.Repeat("0123456789abcdef", 4),
}

// The kubelet normalises what a pod spec says before it asks any provider,
// so pullkey must answer for docker.io/library/busybox, not for "busybox".
func TestDockerHubShortNamesGetCredentialsFromTheDockerConfig(t *testing.T) {
	for _, image := range append(dockerHubShortNames, "docker.io/library/busybox:latest") {
		t.Run(image, func(t *testing.T) {
			n := newNode(t, nodeOptions{
				Pullkey: dockerHubRules,
				Files:   map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
			})
			r := n.kubelet(pull(image))
			expectCredentials(t, r.Lookups[0], hubCredential)
		})
	}
}

// presetDockerHubRules uses the preset, which covers both Docker Hub hosts the
// kubelet can send.
const presetDockerHubRules = `apiVersion: pullkey/v1
kind: PullkeyConfig
rules:
  - name: dockerhub
    preset: dockerhub
    source:
      type: dockerConfig
      path: docker-config.json
`

// The kubelet rewrites short names and index.docker.io to docker.io, but sends
// an image written with Docker Hub's API host, registry-1.docker.io, unchanged.
// With both hosts in matchImages, preset: dockerhub answers every form, under
// the key the kubelet's keyring then applies to that image.
func TestPresetDockerHubServesEveryHostTheKubeletSends(t *testing.T) {
	images := []string{
		"busybox",
		"index.docker.io/library/busybox",
		"registry-1.docker.io/library/busybox:1.36",
		"registry-1.docker.io/myorg/app",
	}
	for _, image := range images {
		t.Run(image, func(t *testing.T) {
			n := newNode(t, nodeOptions{
				Pullkey:     presetDockerHubRules,
				MatchImages: []string{"docker.io", "registry-1.docker.io"},
				Files:       map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
			})
			r := n.kubelet(pull(image))
			expectCredentials(t, r.Lookups[0], hubCredential)
		})
	}
}
