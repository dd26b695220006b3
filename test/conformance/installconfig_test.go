package conformance

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Paths relative to this package (the harness runs in test/conformance).
const (
	// kubeletConfigCases is the table pullkey's TypeScript validator is held to
	// (test/install/kubelet-config.test.ts); its README describes case.json.
	kubeletConfigCases = "../fixtures/install/kubelet-configs"
	// installGolden holds the trees `pullkey install` leaves, one per flavour.
	installGolden = "../fixtures/install/golden"
)

type kubeletConfigCase struct {
	File         string `json:"file"`
	FeatureGates string `json:"featureGates"`
	Expect       struct {
		Accepted bool   `json:"accepted"`
		Error    string `json:"error"`
	} `json:"expect"`
}

// registrationBinDir is an --image-credential-provider-bin-dir holding the
// executables the cases and the golden trees name (the kubelet refuses a
// provider without one). Registration only looks them up, never runs them.
func registrationBinDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"pullkey", "ecr-credential-provider", "gcr-credential-provider"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// register starts a fresh kubelet with configPath (a file or a drop-in
// directory) and returns the error that would stop it, or "".
func register(t *testing.T, configPath, binDir, featureGates string) string {
	t.Helper()
	abs, err := filepath.Abs(configPath)
	if err != nil {
		t.Fatal(err)
	}
	r := runKubelet(t, kubeletScript{ConfigPath: abs, BinDir: binDir, FeatureGates: featureGates, Pod: defaultPod}, nil)
	return r.RegisterError
}

// The kubelet's own loader (decoding, validation, bin-dir lookup) gives every
// case in the table the verdict recorded in it, so pullkey's TypeScript
// reimplementation, held to the same table, agrees with the kubelet.
func TestEveryKubeletConfigCaseGetsTheVerdictRecordedForItFromTheKubeletLoader(t *testing.T) {
	entries, err := os.ReadDir(kubeletConfigCases)
	if err != nil {
		t.Fatal(err)
	}
	binDir := registrationBinDir(t)
	cases := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(kubeletConfigCases, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "case.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c kubeletConfigCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s/case.json: %v", dir, err)
		}
		cases++
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			got := register(t, filepath.Join(dir, c.File), binDir, c.FeatureGates)
			switch {
			case c.Expect.Accepted && got != "":
				t.Errorf("want the kubelet to accept %s, it refused: %s", c.File, got)
			case !c.Expect.Accepted && got == "":
				t.Errorf("want the kubelet to refuse %s with %q, it accepted it", c.File, c.Expect.Error)
			case !c.Expect.Accepted && !strings.Contains(got, c.Expect.Error):
				t.Errorf("the kubelet refused %s with\n  %s\nwhich does not contain the case's error\n  %s", c.File, got, c.Expect.Error)
			}
		})
	}
	if cases < 40 {
		t.Fatalf("found only %d cases in %s", cases, kubeletConfigCases)
	}
}

// The flag that points a kubelet at its CredentialProviderConfig, as the
// installer writes it into a flavour's kubelet arguments.
var configFlag = regexp.MustCompile(`--image-credential-provider-config=(\S+?)["\s]`)

// Every CredentialProviderConfig in the installer's golden trees (what
// `pullkey install` writes for each flavour, and the originals it backed up)
// passes the kubelet's loader, and so does what each flavour's
// --image-credential-provider-config flag names (a file, or the drop-in
// directory the kubelet merges).
func TestEveryCredentialProviderConfigTheInstallerWritesIsAcceptedByTheKubelet(t *testing.T) {
	var configs []string
	flagged := map[string]bool{}
	err := filepath.WalkDir(installGolden, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if regexp.MustCompile(`(?m)^\s*"?kind"?\s*:\s*"?CredentialProviderConfig\b`).Match(data) {
			configs = append(configs, path)
		}
		// Kubelet arguments in env files and unit drop-ins; the manifest only
		// records them, and backups are the state before the install.
		if filepath.Base(path) != "manifest.json" && !strings.Contains(path, "/backups/") {
			for _, m := range configFlag.FindAllSubmatch(append(data, '\n'), -1) {
				flavour := strings.SplitN(strings.TrimPrefix(path, installGolden+"/"), "/", 2)[0]
				flagged[filepath.Join(installGolden, flavour, string(m[1]))] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range flagged {
		if st, err := os.Stat(p); err != nil {
			t.Errorf("a kubelet flag names %s, which the golden tree does not hold: %v", p, err)
		} else if st.IsDir() {
			configs = append(configs, p)
		}
	}
	sort.Strings(configs)
	if len(configs) < 7 {
		t.Fatalf("found only %d CredentialProviderConfigs under %s: %v", len(configs), installGolden, configs)
	}
	binDir := registrationBinDir(t)
	for _, p := range configs {
		name := strings.TrimPrefix(p, installGolden+"/")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := register(t, p, binDir, ""); got != "" {
				t.Errorf("the kubelet refused %s: %s", p, got)
			}
		})
	}
}
