// Package conformance runs the kubelet's own image credential provider code
// (registration from a CredentialProviderConfig, the exec plugin, its cache and
// the docker keyring) against the built pullkey executable.
//
// Each scenario writes a node's files (bin dir, CredentialProviderConfig,
// pullkey config) and starts a fresh "kubelet": this test binary re-executed
// with envKubeletScript set, which registers the providers as the kubelet does
// at startup and asks its keyring for each image as the kubelet does before a
// pull (kubelet_test.go). The parent test asserts on what the kubelet saw.
//
// From the repo root: npx vitest run test/conformance (installs the registry,
// builds and caches one binary per release, runs both built artifacts). By
// hand, after npm run build: go test . (Kubernetes v1.37) and
// go test -modfile=k8s-v1.34.mod . (v1.34), in this folder.
package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Environment variables, read when used. The defaults suit `go test` run in
// test/conformance of a built checkout.
const (
	// envPullkeyBin is the pullkey executable under test (dist/pullkey.cjs or dist/pullkey).
	envPullkeyBin = "PULLKEY_CONFORMANCE_BIN"
	// envMatchTable is the shared matching table (test/fixtures/matching/kubelet-match.json).
	envMatchTable = "PULLKEY_CONFORMANCE_MATCH_TABLE"
	// envRegistryBin is the CNCF distribution registry (Debian package docker-registry).
	envRegistryBin = "PULLKEY_CONFORMANCE_REGISTRY_BIN"
	// envKubeletScript, set only for a child process, names the script it runs as the kubelet.
	envKubeletScript = "PULLKEY_CONFORMANCE_KUBELET"
)

func TestMain(m *testing.M) {
	if script := os.Getenv(envKubeletScript); script != "" {
		// The plugin inherits the kubelet's environment; keep the harness's own
		// variables out of what pullkey sees.
		for _, kv := range os.Environ() {
			if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PULLKEY_CONFORMANCE_") {
				os.Unsetenv(name)
			}
		}
		kubeletChildMain(script)
		return
	}
	os.Exit(m.Run())
}

// pathFromEnv returns the absolute path in env, or def (relative to the
// package directory) when env is empty.
func pathFromEnv(env, def string) string {
	p := os.Getenv(env)
	if p == "" {
		p = def
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

// pullkeyBin returns the executable under test, failing the test if it is missing.
func pullkeyBin(t *testing.T) string {
	t.Helper()
	p := pathFromEnv(envPullkeyBin, "../../dist/pullkey.cjs")
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("pullkey executable %s is missing or not executable (run `npm run build`, or set %s): %v", p, envPullkeyBin, err)
	}
	return p
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func fmtLookup(r lookupResult) string {
	return fmt.Sprintf("lookup %q (repo %q): found=%v credentials=%v execs=%d\nkubelet log:\n%s", r.Image, r.Repo, r.Found, r.Credentials, r.Execs, r.Log)
}
