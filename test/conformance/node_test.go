package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const (
	providerName = "pullkey"

	kubeletConfigV1  = "kubelet.config.k8s.io/v1"
	credentialAPIV1  = "credentialprovider.kubelet.k8s.io/v1"
	childTimeout     = 3 * time.Minute
	pullkeyConfigDir = "etc/pullkey"
)

// nodeOptions describe one node's credential provider setup.
type nodeOptions struct {
	// Pullkey is pullkey's own config, as YAML.
	Pullkey string
	// Files are written next to pullkey's config (docker configs, token files).
	Files map[string]string
	// KubeletConfigAPIVersion is the CredentialProviderConfig apiVersion (default v1).
	KubeletConfigAPIVersion string
	// ProviderAPIVersion is the provider's request/response apiVersion (default v1).
	ProviderAPIVersion string
	// MatchImages is the provider's matchImages (default ["docker.io"]).
	MatchImages []string
	// DefaultCacheDuration is the provider's defaultCacheDuration (default "5m").
	DefaultCacheDuration string
	// JSON writes both configs as JSON instead of YAML.
	JSON bool
	// CountExecs installs a wrapper that counts execs instead of a symlink.
	CountExecs bool
	// ProviderEnv is the provider's env in the CredentialProviderConfig.
	ProviderEnv map[string]string
	// TokenAttributes is the provider's tokenAttributes (KEP-4412).
	TokenAttributes map[string]any
	// KubeletEnv is added to the kubelet process's environment, which every
	// plugin exec inherits (systemd's Environment= on a real node).
	KubeletEnv map[string]string
	// FeatureGates is the kubelet's --feature-gates.
	FeatureGates string
	// ServiceAccounts are the API server's service accounts (KEP-4412 hooks).
	ServiceAccounts []serviceAccount
	// TokenSigningKey is the service account issuer's private key (PKCS #8
	// PEM) the API server signs tokens with; without it they are unsigned.
	TokenSigningKey string
}

// node is one kubelet's files on disk: a bin dir holding pullkey under the
// provider name, a CredentialProviderConfig and pullkey's config folder.
type node struct {
	t          *testing.T
	dir        string
	binDir     string
	configPath string
	countFile  string
	// pullkeyConfig is the path the kubelet passes to pullkey as --config.
	pullkeyConfig string
	opts          nodeOptions
}

func newNode(t *testing.T, o nodeOptions) *node {
	t.Helper()
	bin := pullkeyBin(t)
	dir := t.TempDir()
	n := &node{t: t, dir: dir, binDir: filepath.Join(dir, "bin"), opts: o}
	for _, d := range []string{n.binDir, n.path(pullkeyConfigDir), n.path("etc/kubernetes")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	ext := ".yaml"
	if o.JSON {
		ext = ".json"
	}
	n.pullkeyConfig = n.path(pullkeyConfigDir, "pullkey"+ext)
	mustWrite(t, n.pullkeyConfig, encode(t, []byte(o.Pullkey), o.JSON))
	for name, content := range o.Files {
		mustWrite(t, n.path(pullkeyConfigDir, name), content)
	}

	provider := map[string]any{
		"name":                 providerName,
		"apiVersion":           or(o.ProviderAPIVersion, credentialAPIV1),
		"matchImages":          o.MatchImages,
		"defaultCacheDuration": or(o.DefaultCacheDuration, "5m"),
		"args":                 []string{"--config", n.pullkeyConfig},
	}
	if o.MatchImages == nil {
		provider["matchImages"] = []string{"docker.io"}
	}
	if len(o.ProviderEnv) > 0 {
		var env []map[string]string
		for name, value := range o.ProviderEnv {
			env = append(env, map[string]string{"name": name, "value": value})
		}
		sort.Slice(env, func(i, j int) bool { return env[i]["name"] < env[j]["name"] })
		provider["env"] = env
	}
	if o.TokenAttributes != nil {
		provider["tokenAttributes"] = o.TokenAttributes
	}
	kubeletConfig, err := json.Marshal(map[string]any{
		"apiVersion": or(o.KubeletConfigAPIVersion, kubeletConfigV1),
		"kind":       "CredentialProviderConfig",
		"providers":  []any{provider},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.JSON {
		if kubeletConfig, err = yaml.JSONToYAML(kubeletConfig); err != nil {
			t.Fatal(err)
		}
	}
	n.configPath = n.path("etc/kubernetes", "credential-provider"+ext)
	mustWrite(t, n.configPath, string(kubeletConfig))

	target := n.path("bin", providerName)
	if o.CountExecs {
		n.countFile = n.path("execs.count")
		wrapper := fmt.Sprintf("#!/bin/sh\n# Counts the kubelet's execs, then becomes pullkey.\necho exec >> '%s'\nexec '%s' \"$@\"\n", n.countFile, bin)
		if err := os.WriteFile(target, []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Symlink(bin, target); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *node) path(parts ...string) string {
	return filepath.Join(append([]string{n.dir}, parts...)...)
}

// kubelet starts a fresh kubelet process on this node, runs the steps and
// fails the test if the kubelet could not start.
func (n *node) kubelet(steps ...step) kubeletResult {
	n.t.Helper()
	r := n.kubeletMayFail(steps...)
	if r.RegisterError != "" {
		n.t.Fatalf("the kubelet refused the credential provider config: %s", r.RegisterError)
	}
	return r
}

// kubeletMayFail is kubelet without the registration check.
func (n *node) kubeletMayFail(steps ...step) kubeletResult {
	n.t.Helper()
	return runKubelet(n.t, kubeletScript{
		ConfigPath:      n.configPath,
		BinDir:          n.binDir,
		CountFile:       n.countFile,
		Pod:             defaultPod,
		Steps:           steps,
		FeatureGates:    n.opts.FeatureGates,
		ServiceAccounts: n.opts.ServiceAccounts,
		TokenSigningKey: n.opts.TokenSigningKey,
	}, n.opts.KubeletEnv)
}

// defaultPod is the pod a pull is for unless the step names another.
var defaultPod = podRef{Namespace: "default", Name: "conformance", UID: "00000000-0000-0000-0000-000000000001"}

// runKubelet runs script in a fresh kubelet process with env added to its
// environment and returns what the kubelet saw.
func runKubelet(t *testing.T, script kubeletScript, env map[string]string) kubeletResult {
	t.Helper()
	data, err := json.Marshal(script)
	if err != nil {
		t.Fatal(err)
	}
	scriptPath := filepath.Join(t.TempDir(), "kubelet-script.json")
	mustWrite(t, scriptPath, string(data))

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), envKubeletScript+"="+scriptPath)
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	// Under systemd the kubelet runs in /; pullkey must not depend on its cwd.
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the kubelet process failed: %v\n%s", err, out)
	}
	var result kubeletResult
	data, err = os.ReadFile(scriptPath + ".result.json")
	if err == nil {
		err = json.Unmarshal(data, &result)
	}
	if err != nil {
		t.Fatalf("the kubelet process left no result: %v\n%s", err, out)
	}
	return result
}

func pull(image string) step          { return step{Image: image} }
func sleep(d time.Duration) step      { return step{Sleep: d.String()} }
func write(path, content string) step { return step{Write: &fileWrite{Path: path, Content: content}} }

// pullFor is a pull for another pod than the node's default one.
func pullFor(pod podRef, image string) step { return step{Image: image, Pod: &pod} }

// expectCredentials fails unless the lookup found exactly want, in order.
func expectCredentials(t *testing.T, r lookupResult, want ...credential) {
	t.Helper()
	if len(want) == 0 {
		want = []credential{}
	}
	if !reflect.DeepEqual(r.Credentials, want) || r.Found != (len(want) > 0) {
		t.Errorf("want credentials %v, got:\n%s", want, fmtLookup(r))
	}
}

// expectExecs fails unless the plugin had been run n times by the end of r.
func expectExecs(t *testing.T, r lookupResult, n int) {
	t.Helper()
	if r.Execs != n {
		t.Errorf("want %d pullkey execs so far, got:\n%s", n, fmtLookup(r))
	}
}

// encode returns YAML as given, or converted to JSON.
func encode(t *testing.T, y []byte, asJSON bool) string {
	t.Helper()
	if !asJSON {
		return string(y)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
