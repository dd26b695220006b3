package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/kubernetes/pkg/credentialprovider/plugin"
	"k8s.io/kubernetes/pkg/util/parsers"
)

// kubeletScript is what one scenario asks the emulated kubelet to do. Each
// script runs in a fresh process, because the kubelet registers providers in
// package globals, once, at startup, and a second registration of a name panics.
type kubeletScript struct {
	// ConfigPath and BinDir are --image-credential-provider-config and
	// --image-credential-provider-bin-dir.
	ConfigPath string `json:"configPath"`
	BinDir     string `json:"binDir"`
	// CountFile, when set, is the file the counting wrapper appends one line
	// to per exec; its line count is reported after every step.
	CountFile string `json:"countFile,omitempty"`
	// Pod is the pod the keyring is built for (service account mode keys on it).
	Pod   podRef `json:"pod"`
	Steps []step `json:"steps"`
	// FeatureGates is a --feature-gates value (e.g. "Name=false"), set
	// before registration as the kubelet's flag parsing would.
	FeatureGates string `json:"featureGates,omitempty"`
	// ServiceAccounts are what the API server knows: the kubelet's
	// getServiceAccount hook answers from them and its getServiceAccountToken
	// hook mints a token for them (KEP-4412).
	ServiceAccounts []serviceAccount `json:"serviceAccounts,omitempty"`
	// TokenSigningKey, a PKCS #8 PEM private key, signs the tokens the API
	// server mints; without it they are unsigned.
	TokenSigningKey string `json:"tokenSigningKey,omitempty"`
}

type serviceAccount struct {
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	UID         string            `json:"uid"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type podRef struct {
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	UID            string `json:"uid"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

// step is one thing that happens on the node: a pull (Image), time passing
// (Sleep, a Go duration) or an operator writing a file (Write). A pull is for
// the script's pod unless Pod names another.
type step struct {
	Image string     `json:"image,omitempty"`
	Pod   *podRef    `json:"pod,omitempty"`
	Sleep string     `json:"sleep,omitempty"`
	Write *fileWrite `json:"write,omitempty"`
}

type fileWrite struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

type kubeletResult struct {
	// RegisterError is the error that would stop the kubelet from starting.
	RegisterError string         `json:"registerError,omitempty"`
	Lookups       []lookupResult `json:"lookups"`
	// TokenRequests are the service account tokens the kubelet asked for.
	TokenRequests []tokenRequestSeen `json:"tokenRequests,omitempty"`
}

// tokenRequestSeen is one TokenRequest the kubelet made, and the token it got.
type tokenRequestSeen struct {
	Namespace      string   `json:"namespace"`
	ServiceAccount string   `json:"serviceAccount"`
	UID            string   `json:"uid"`
	Audiences      []string `json:"audiences"`
	BoundKind      string   `json:"boundKind"`
	BoundName      string   `json:"boundName"`
	BoundUID       string   `json:"boundUID"`
	Token          string   `json:"token"`
}

// lookupResult is what the kubelet knows after asking its keyring for one image.
type lookupResult struct {
	Image       string       `json:"image"`
	Pod         podRef       `json:"pod"`
	Repo        string       `json:"repo"`
	Found       bool         `json:"found"`
	Credentials []credential `json:"credentials"`
	// Errors are the error-level entries the kubelet logged during the lookup.
	Errors []string `json:"errors"`
	// Log is everything klog printed during the lookup, for failure messages.
	Log string `json:"log"`
	// Execs is the total number of plugin execs so far (with CountFile).
	Execs int `json:"execs"`
}

type credential struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// runKubeletScript does what the kubelet does at startup and before each pull,
// and returns what it saw. It never fails: errors are part of the result.
func runKubeletScript(s kubeletScript, logs *logCapture) kubeletResult {
	var result kubeletResult
	if s.FeatureGates != "" {
		// What --feature-gates does, before anything reads a gate.
		if err := utilfeature.DefaultMutableFeatureGate.Set(s.FeatureGates); err != nil {
			panic(fmt.Sprintf("feature gates %q: %v", s.FeatureGates, err))
		}
	}
	getToken, getServiceAccount := noServiceAccountToken, noServiceAccount
	if len(s.ServiceAccounts) > 0 {
		api := &fakeAPIServer{accounts: s.ServiceAccounts, seen: &result.TokenRequests}
		if s.TokenSigningKey != "" {
			key, err := parseSigningKey(s.TokenSigningKey)
			if err != nil {
				panic(err)
			}
			api.signingKey = key
		}
		getToken, getServiceAccount = api.serviceAccountToken, api.serviceAccount
	}
	// The kubelet's own startup call (pkg/kubelet/kuberuntime/kuberuntime_manager.go).
	err := plugin.RegisterCredentialProviderPlugins(s.ConfigPath, s.BinDir, getToken, getServiceAccount)
	if err != nil {
		result.RegisterError = err.Error()
		return result
	}
	for _, st := range s.Steps {
		switch {
		case st.Sleep != "":
			d, err := time.ParseDuration(st.Sleep)
			if err != nil {
				panic(fmt.Sprintf("bad sleep %q in script: %v", st.Sleep, err))
			}
			time.Sleep(d)
		case st.Write != nil:
			if err := os.WriteFile(st.Write.Path, []byte(st.Write.Content), 0o600); err != nil {
				panic(err)
			}
		default:
			pod := s.Pod
			if st.Pod != nil {
				pod = *st.Pod
			}
			result.Lookups = append(result.Lookups, lookup(s, pod, st.Image, logs))
		}
	}
	return result
}

// lookup mirrors the kubelet image manager: normalise the image the way
// pkg/kubelet/images does, then ask a per-pod keyring for the repository.
func lookup(s kubeletScript, pod podRef, image string, logs *logCapture) lookupResult {
	logs.reset()
	r := lookupResult{Image: image, Pod: pod, Credentials: []credential{}}
	repo, _, _, err := parsers.ParseImageName(image)
	if err != nil {
		r.Errors = []string{err.Error()}
		return r
	}
	r.Repo = repo
	keyring := plugin.NewExternalCredentialProviderDockerKeyring(pod.Namespace, pod.Name, pod.UID, pod.ServiceAccount)
	creds, found := keyring.Lookup(repo)
	r.Found = found
	for _, c := range creds {
		r.Credentials = append(r.Credentials, credential{Username: c.Username, Password: c.Password})
	}
	r.Errors, r.Log = logs.take()
	r.Execs = countLines(s.CountFile)
	return r
}

func noServiceAccountToken(namespace, name string, _ *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	return nil, fmt.Errorf("service account tokens are not part of this scenario (%s/%s)", namespace, name)
}

func noServiceAccount(namespace, name string) (*v1.ServiceAccount, error) {
	return nil, fmt.Errorf("service accounts are not part of this scenario (%s/%s)", namespace, name)
}

func countLines(path string) int {
	if path == "" {
		return 0
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}

// kubeletChildMain is the whole life of a child process: read the script named
// by envKubeletScript, run it, write the result next to it.
func kubeletChildMain(scriptPath string) {
	logs := captureKlog()
	data, err := os.ReadFile(scriptPath)
	if err != nil {
		panic(err)
	}
	var s kubeletScript
	if err := json.Unmarshal(data, &s); err != nil {
		panic(err)
	}
	out, err := json.MarshalIndent(runKubeletScript(s, logs), "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(scriptPath+".result.json", out, 0o600); err != nil {
		panic(err)
	}
}
