package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
)

// envVault is the Vault the vitest entry started and what it put there, as
// JSON (vaultFixture; see test/conformance/vault-fixture.ts).
const envVault = "PULLKEY_CONFORMANCE_VAULT"

type vaultFixture struct {
	// Address is Vault's plain HTTP listener on loopback.
	Address string `json:"address"`
	// Node is an AppRole whose policy reads the Docker Hub secret at
	// SecretPath (KV v2 mount "secret"): the node's own credentials.
	Node struct {
		RoleID     string     `json:"roleId"`
		SecretID   string     `json:"secretId"`
		SecretPath string     `json:"secretPath"`
		Credential credential `json:"credential"`
	} `json:"node"`
	// JWT is a JWT auth mount that trusts the service account issuer's keys,
	// with one role bound to the teams' service accounts and the audience.
	JWT struct {
		Mount    string `json:"mount"`
		Role     string `json:"role"`
		Audience string `json:"audience"`
		// SigningKeys are the issuer's private keys (PKCS #8 PEM) by JWS algorithm.
		SigningKeys map[string]string `json:"signingKeys"`
		// PathTemplate is pullkey's secret.path, chosen by the token's namespace.
		PathTemplate string `json:"pathTemplate"`
	} `json:"jwt"`
	// Teams each have their own credential under their namespace, readable
	// only with a Vault token issued for a service account of that namespace.
	Teams []vaultTeam `json:"teams"`
	// Outsider is a service account the role is not bound to.
	Outsider vaultTeam `json:"outsider"`
}

type vaultTeam struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount string     `json:"serviceAccount"`
	Credential     credential `json:"credential"`
}

func loadVault(t *testing.T) vaultFixture {
	t.Helper()
	var f vaultFixture
	loadPeerFixture(t, envVault, "Vault", &f)
	if len(f.Teams) < 2 {
		t.Fatalf("want two teams in %s, got %d", envVault, len(f.Teams))
	}
	return f
}

// vaultRules reads the Docker Hub credential from Vault's KV v2 mount
// "secret" at path, logging in with auth (indented YAML lines). Each node
// keeps its own state folder, so no run reuses another's stored Vault token.
func vaultRules(stateDir, address, auth, path string) string {
	return fmt.Sprintf(`apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: %s
rules:
  - name: dockerhub
    preset: dockerhub
    source:
      type: vault
      address: %s
      auth:
%s      secret:
        engine: kv-v2
        mount: secret
        path: %s
`, stateDir, address, auth, path)
}

// With an AppRole's role_id and secret_id in files next to pullkey's config
// (relative paths, while the kubelet runs in /), Docker Hub images, however a
// pod spec names them, get the Vault KV secret's credential through the
// kubelet's keyring.
func TestDockerHubImagesGetTheVaultKVSecretThroughTheKubeletWithTheNodesAppRole(t *testing.T) {
	vault := loadVault(t)
	for _, image := range dockerHubShortNames {
		t.Run(image, func(t *testing.T) {
			dir := t.TempDir()
			n := newNode(t, nodeOptions{
				Pullkey: vaultRules(dir+"/state", vault.Address, `        method: appRole
        roleIdFile: vault-role-id
        secretIdFile: vault-secret-id
`, vault.Node.SecretPath),
				Files: map[string]string{
					"vault-role-id":   vault.Node.RoleID + "\n",
					"vault-secret-id": vault.Node.SecretID + "\n",
				},
			})
			r := n.kubelet(pull(image))
			expectCredentials(t, r.Lookups[0], vault.Node.Credential)
			if len(r.Lookups[0].Errors) > 0 {
				t.Errorf("the kubelet logged errors:\n%s", fmtLookup(r.Lookups[0]))
			}
		})
	}
}

// newVaultKEPNode sets up KEP-4412 mode against Vault's JWT auth: the API
// server signs tokens with signingKey, and pullkey logs in with the pod's
// token (auth.method jwt, serviceAccount: true) and reads the secret under
// the token's namespace. The kubelet runs pullkey only for pods with a
// service account. It returns the node and one pod per team, then one for
// the outsider.
func newVaultKEPNode(t *testing.T, vault vaultFixture, signingKey string) (*node, []podRef) {
	t.Helper()
	dir := t.TempDir()
	var accounts []serviceAccount
	var pods []podRef
	for i, sa := range append(append([]vaultTeam{}, vault.Teams...), vault.Outsider) {
		accounts = append(accounts, serviceAccount{
			Namespace: sa.Namespace,
			Name:      sa.ServiceAccount,
			UID:       fmt.Sprintf("5a000000-0000-0000-0000-%012d", i),
		})
		pods = append(pods, podRef{
			Namespace:      sa.Namespace,
			Name:           sa.ServiceAccount + "-pod",
			UID:            fmt.Sprintf("90d00000-0000-0000-0000-%012d", i),
			ServiceAccount: sa.ServiceAccount,
		})
	}
	n := newNode(t, nodeOptions{
		Pullkey: vaultRules(dir+"/state", vault.Address, fmt.Sprintf(`        method: jwt
        mount: %s
        role: %s
        serviceAccount: true
`, vault.JWT.Mount, vault.JWT.Role), vault.JWT.PathTemplate),
		FeatureGates: "KubeletServiceAccountTokenForCredentialProviders=true",
		TokenAttributes: map[string]any{
			"serviceAccountTokenAudience": vault.JWT.Audience,
			"cacheType":                   "ServiceAccount",
			"requireServiceAccount":       true,
		},
		ServiceAccounts: accounts,
		TokenSigningKey: signingKey,
		CountExecs:      true,
	})
	return n, pods
}

// KEP-4412 through the kubelet against a Vault that verifies every token:
// the kubelet mints each pod's service account token for the audience (the
// fake API server signs it, RS256 or ES256, with a key Vault trusts), pullkey
// logs in to Vault's JWT auth with it and reads the secret under the token's
// namespace, which only that namespace's Vault token may read. Two service
// accounts get their own team's credential, the kubelet caches per service
// account and accepts every answer.
func TestServiceAccountsLogInToVaultWithTheirSignedTokensAndEachGetTheirOwnTeamsSecretThroughTheKubelet(t *testing.T) {
	vault := loadVault(t)
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			key := vault.JWT.SigningKeys[alg]
			if key == "" {
				t.Fatalf("no %s signing key in %s", alg, envVault)
			}
			n, pods := newVaultKEPNode(t, vault, key)
			r := n.kubelet(
				pullFor(pods[0], "busybox"),
				pullFor(pods[1], "busybox"),
				pullFor(pods[0], "library/nginx:1.27"),
				pullFor(pods[1], "myorg/app:v2"),
			)
			team := []int{0, 1, 0, 1}
			execs := []int{1, 2, 2, 2}
			for i, l := range r.Lookups {
				expectCredentials(t, l, vault.Teams[team[i]].Credential)
				expectExecs(t, l, execs[i])
				if len(l.Errors) > 0 {
					t.Errorf("the kubelet rejected or logged an error for pullkey's answer:\n%s", fmtLookup(l))
				}
			}
			expectTokenRequests(t, r.TokenRequests, vault.JWT.Audience, pods[0], pods[1], pods[0], pods[1])
			expectNoTokenInLogs(t, r)
		})
	}
}

// Vault, not pullkey, decides who logs in: a validly signed token for a
// service account the role is not bound to, and a token for a bound account
// signed by a key Vault does not trust, are both refused. The kubelet then
// logs pullkey's error, gets no credentials and caches nothing.
func TestVaultRefusesServiceAccountTokensItDoesNotTrustAndTheKubeletGetsNoCredentials(t *testing.T) {
	vault := loadVault(t)
	foreign, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(foreign)
	if err != nil {
		t.Fatal(err)
	}
	foreignKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for _, tc := range []struct {
		name string
		key  string
		pod  func(pods []podRef) podRef
		// why is the part of Vault's refusal (in pullkey's error) that names the check.
		why string
	}{
		{"an unbound service account", vault.JWT.SigningKeys["RS256"], func(p []podRef) podRef { return p[len(p)-1] }, `claim "sub" does not match`},
		{"a token signed by an unknown key", foreignKey, func(p []podRef) podRef { return p[0] }, "token signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, pods := newVaultKEPNode(t, vault, tc.key)
			pod := tc.pod(pods)
			r := n.kubelet(pullFor(pod, "busybox"), pullFor(pod, "busybox"))
			for i, l := range r.Lookups {
				expectCredentials(t, l)
				// Failures are never cached: each lookup runs pullkey.
				expectExecs(t, l, i+1)
				for _, want := range []string{"SOURCE_AUTH_FAILED", "rejected the login", tc.why} {
					if !containsAny(l.Errors, want) {
						t.Errorf("want the kubelet to log pullkey's login error with %q:\n%s", want, fmtLookup(l))
					}
				}
			}
			expectNoTokenInLogs(t, r)
		})
	}
}

// expectNoTokenInLogs fails if a service account token the kubelet handed
// pullkey shows up in what the kubelet logged (pullkey's errors included).
func expectNoTokenInLogs(t *testing.T, r kubeletResult) {
	t.Helper()
	for _, tr := range r.TokenRequests {
		for _, l := range r.Lookups {
			if strings.Contains(l.Log, tr.Token) {
				t.Errorf("the service account token for %s/%s leaked into the kubelet's log", tr.Namespace, tr.ServiceAccount)
			}
		}
	}
}
