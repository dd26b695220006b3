package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// envAWS is the AWS test double the vitest entry started (moto on loopback)
// and what it put there, as JSON (awsFixture; see kubelet.test.ts).
const envAWS = "PULLKEY_CONFORMANCE_AWS"

type awsFixture struct {
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
	// Node is an IAM user allowed to read secrets: the node's own credentials.
	Node struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	} `json:"node"`
	// SecretID names the Docker Hub secret, in the node's account and in
	// each team's account with a different value.
	SecretID string `json:"secretId"`
	// NodeCredential is the secret's value in the node's account.
	NodeCredential credential `json:"nodeCredential"`
	// RoleAnnotation is the service-account annotation naming a team's role.
	RoleAnnotation string `json:"roleAnnotation"`
	// Teams each have a role in their own account, where the secret holds
	// the team's credential.
	Teams []awsTeam `json:"teams"`
}

type awsTeam struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount string     `json:"serviceAccount"`
	RoleArn        string     `json:"roleArn"`
	Credential     credential `json:"credential"`
}

func loadAWS(t *testing.T) awsFixture {
	t.Helper()
	var f awsFixture
	loadPeerFixture(t, envAWS, "moto", &f)
	return f
}

// loadPeerFixture decodes the JSON the vitest side stored in env after starting
// peer and writing the secrets the scenario expects.
func loadPeerFixture(t *testing.T, env, peer string, into any) {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		t.Fatalf("%s is not set: run this scenario through `npx vitest run test/conformance`, which starts %s and stores the secrets", env, peer)
	}
	if err := json.Unmarshal([]byte(raw), into); err != nil {
		t.Fatalf("%s: %v", env, err)
	}
}

// kubeletEnv is what a node's kubelet environment holds for the AWS SDK: the
// node's credentials (as from an instance profile), kept off the developer's
// files and off instance metadata.
func (f awsFixture) kubeletEnv(dir string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           f.Node.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       f.Node.SecretAccessKey,
		"AWS_CONFIG_FILE":             dir + "/no-aws-config",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/no-aws-credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

// providerEnv is the region and endpoints, set in the provider's env as
// docs/aws-secrets-manager.md shows.
func (f awsFixture) providerEnv() map[string]string {
	return map[string]string{
		"AWS_REGION":                       f.Region,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": f.Endpoint,
		"AWS_ENDPOINT_URL_STS":             f.Endpoint,
	}
}

// awsRules reads the Docker Hub credential from Secrets Manager; source
// holds extra source fields (indented YAML lines). Each node keeps its own
// state folder so no run reuses another's cached answer.
func awsRules(stateDir, secretID, source string) string {
	return fmt.Sprintf(`apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: %s
rules:
  - name: dockerhub
    preset: dockerhub
    source:
      type: awsSecretsManager
      secretId: %s
%s`, stateDir, secretID, source)
}

// With the node's own AWS credentials in the kubelet's environment and the
// region and endpoints in the provider's env, Docker Hub images, however a
// pod spec names them, get the Secrets Manager secret's credential through
// the kubelet's keyring (moto checks the request's signature and the node
// user's IAM policy, as kubelet.test.ts turns its checks on).
func TestDockerHubImagesGetTheAWSSecretsManagerCredentialThroughTheKubelet(t *testing.T) {
	aws := loadAWS(t)
	for _, image := range dockerHubShortNames {
		t.Run(image, func(t *testing.T) {
			dir := t.TempDir()
			n := newNode(t, nodeOptions{
				Pullkey:     awsRules(dir+"/state", aws.SecretID, ""),
				ProviderEnv: aws.providerEnv(),
				KubeletEnv:  aws.kubeletEnv(dir),
			})
			r := n.kubelet(pull(image))
			expectCredentials(t, r.Lookups[0], aws.NodeCredential)
			if len(r.Lookups[0].Errors) > 0 {
				t.Errorf("the kubelet logged errors:\n%s", fmtLookup(r.Lookups[0]))
			}
		})
	}
}

// kepNode is a node whose pullkey provider has tokenAttributes, for one pod
// per team whose service account names the team's role in an annotation.
type kepNode struct {
	*node
	pods []podRef
}

const kepAudience = "pullkey.dev/registry-pull"

// newKEPNode sets up KEP-4412 mode. Without nodeCredentials, the kubelet
// runs pullkey only for pods with a service account and pullkey requires
// their token (the kubelet's environment holds no AWS credentials); with
// them, the kubelet also runs pullkey for pods without one and pullkey falls
// back to the node's credentials.
func newKEPNode(t *testing.T, aws awsFixture, nodeCredentials bool) kepNode {
	t.Helper()
	if len(aws.Teams) < 2 {
		t.Fatalf("want two teams in %s, got %d", envAWS, len(aws.Teams))
	}
	dir := t.TempDir()
	var allowed []string
	var accounts []serviceAccount
	var pods []podRef
	for i, team := range aws.Teams {
		allowed = append(allowed, team.RoleArn)
		accounts = append(accounts, serviceAccount{
			Namespace:   team.Namespace,
			Name:        team.ServiceAccount,
			UID:         fmt.Sprintf("5a000000-0000-0000-0000-%012d", i),
			Annotations: map[string]string{aws.RoleAnnotation: team.RoleArn, "unrelated.example.com/x": "not passed"},
		})
		pods = append(pods, podRef{
			Namespace:      team.Namespace,
			Name:           "app",
			UID:            fmt.Sprintf("90d00000-0000-0000-0000-%012d", i),
			ServiceAccount: team.ServiceAccount,
		})
	}
	allowedYAML, _ := json.Marshal(allowed)
	kubeletEnv := aws.kubeletEnv(dir)
	if !nodeCredentials {
		delete(kubeletEnv, "AWS_ACCESS_KEY_ID")
		delete(kubeletEnv, "AWS_SECRET_ACCESS_KEY")
	}
	n := newNode(t, nodeOptions{
		Pullkey: awsRules(dir+"/state", aws.SecretID, fmt.Sprintf(`      serviceAccount:
        roleArnAnnotation: %s
        allowedRoleArns: %s
        requireToken: %v
`, aws.RoleAnnotation, allowedYAML, !nodeCredentials)),
		ProviderEnv:  aws.providerEnv(),
		KubeletEnv:   kubeletEnv,
		FeatureGates: "KubeletServiceAccountTokenForCredentialProviders=true",
		TokenAttributes: map[string]any{
			"serviceAccountTokenAudience":          kepAudience,
			"cacheType":                            "ServiceAccount",
			"requireServiceAccount":                !nodeCredentials,
			"optionalServiceAccountAnnotationKeys": []string{aws.RoleAnnotation},
		},
		ServiceAccounts: accounts,
		CountExecs:      true,
	})
	// With its checks on, moto refuses every unsigned request, and
	// AssumeRoleWithWebIdentity is unsigned (in AWS too), so these scenarios
	// run with them off. Which role read the secret is still proven: only
	// that role's session credentials belong to the account that holds the
	// team's secret.
	previous := setMotoAuth(t, aws, "inf")
	t.Cleanup(func() { setMotoAuth(t, aws, previous) })
	return kepNode{node: n, pods: pods}
}

// expectTokenRequests fails unless the kubelet asked for one token per
// lookup of a pod with a service account (it asks before it looks in its
// cache), each for audience and bound to that pod.
func expectTokenRequests(t *testing.T, got []tokenRequestSeen, audience string, pods ...podRef) {
	t.Helper()
	if len(got) != len(pods) {
		t.Errorf("want %d token requests, one per lookup with a service account, got %+v", len(pods), got)
	}
	for i, tr := range got {
		if i >= len(pods) {
			break
		}
		want := tokenRequestSeen{
			Namespace: pods[i].Namespace, ServiceAccount: pods[i].ServiceAccount,
			Audiences: []string{audience}, BoundKind: "Pod", BoundName: pods[i].Name, BoundUID: pods[i].UID,
		}
		tr.Token, tr.UID = "", ""
		if !reflect.DeepEqual(tr, want) {
			t.Errorf("token request %d: want %+v, got %+v", i, want, tr)
		}
	}
}

// staticPod is a pod without a service account.
var staticPod = podRef{Namespace: "kube-system", Name: "static-pod", UID: "57a71c00-0000-0000-0000-000000000000"}

// KEP-4412 through the kubelet: a provider with tokenAttributes makes the
// kubelet fetch each pod's service account (passing the role annotation) and
// mint a token for the audience, bound to the pod; pullkey exchanges the
// token with STS AssumeRoleWithWebIdentity for the role the annotation names
// (from its allowlist) and reads that role's secret. Two service accounts
// annotated with different roles get their own team's credential; the
// kubelet caches per service account, accepts every answer (no echoed
// token), and a pod without a service account gets nothing.
func TestServiceAccountsAnnotatedWithDifferentRolesEachGetTheSecretOfTheirOwnRoleThroughTheKubelet(t *testing.T) {
	aws := loadAWS(t)
	n := newKEPNode(t, aws, false)
	pods := n.pods

	before := motoAssumedRoles(t, aws)
	r := n.kubelet(
		pullFor(pods[0], "busybox"),
		pullFor(pods[1], "busybox"),
		pullFor(pods[0], "library/nginx:1.27"),
		pullFor(pods[1], "myorg/app:v2"),
		pullFor(staticPod, "busybox"),
	)
	after := motoAssumedRoles(t, aws)

	team := []int{0, 1, 0, 1}
	execs := []int{1, 2, 2, 2}
	for i, l := range r.Lookups[:4] {
		expectCredentials(t, l, aws.Teams[team[i]].Credential)
		// The kubelet caches per service account: each team's first pull
		// runs pullkey, its later pulls are answered from the cache.
		expectExecs(t, l, execs[i])
		if len(l.Errors) > 0 {
			t.Errorf("the kubelet rejected or logged an error for pullkey's answer:\n%s", fmtLookup(l))
		}
	}
	// requireServiceAccount: a pod without one (a static pod) never runs pullkey.
	expectCredentials(t, r.Lookups[4])
	expectExecs(t, r.Lookups[4], 2)

	// What the kubelet asked the API server for: none for the static pod.
	expectTokenRequests(t, r.TokenRequests, kepAudience, pods[0], pods[1], pods[0], pods[1])

	// STS saw one web-identity exchange per team, for the annotated role,
	// under a session named after the token's service account.
	var wantRoles []assumedRole
	for _, team := range aws.Teams {
		wantRoles = append(wantRoles, assumedRole{Role: team.RoleArn, Session: "pullkey-" + team.Namespace + "-" + team.ServiceAccount})
	}
	gotRoles := after[len(before):]
	sortRoles(wantRoles)
	sortRoles(gotRoles)
	if !reflect.DeepEqual(gotRoles, wantRoles) {
		t.Errorf("want moto to record the role assumptions %+v, got %+v", wantRoles, gotRoles)
	}
}

// With requireServiceAccount false the kubelet also runs pullkey for a pod
// without a service account (a static pod), with no token, and pullkey reads
// with the node's own credentials from the kubelet's environment; a pod with
// a service account still gets its role's secret, and neither answer leaks
// into the other through the kubelet's cache or pullkey's.
func TestAPodWithoutAServiceAccountGetsTheNodeCredentialWhenTheProviderDoesNotRequireOne(t *testing.T) {
	aws := loadAWS(t)
	n := newKEPNode(t, aws, true)
	teamA := n.pods[0]
	r := n.kubelet(
		pullFor(staticPod, "busybox"),
		pullFor(teamA, "busybox"),
		pullFor(staticPod, "library/nginx:1.27"),
		pullFor(teamA, "library/nginx:1.27"),
	)
	want := []credential{aws.NodeCredential, aws.Teams[0].Credential, aws.NodeCredential, aws.Teams[0].Credential}
	execs := []int{1, 2, 2, 2}
	for i, l := range r.Lookups {
		expectCredentials(t, l, want[i])
		expectExecs(t, l, execs[i])
		if len(l.Errors) > 0 {
			t.Errorf("the kubelet rejected or logged an error for pullkey's answer:\n%s", fmtLookup(l))
		}
	}
	expectTokenRequests(t, r.TokenRequests, kepAudience, teamA, teamA)
}

type assumedRole struct {
	Role    string
	Session string
}

// motoAssumedRoles lists the roles moto's STS has handed out credentials for,
// oldest first, as test/sources/aws-secrets-manager/moto-fixtures.ts reads them.
func motoAssumedRoles(t *testing.T, aws awsFixture) []assumedRole {
	t.Helper()
	resp, err := http.Get(aws.Endpoint + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		STS struct {
			AssumedRole []struct {
				RoleArn     string `json:"role_arn"`
				SessionName string `json:"session_name"`
			} `json:"AssumedRole"`
		} `json:"sts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatalf("moto's data.json: %v", err)
	}
	roles := []assumedRole{}
	for _, r := range data.STS.AssumedRole {
		roles = append(roles, assumedRole{Role: r.RoleArn, Session: r.SessionName})
	}
	return roles
}

// setMotoAuth sets after how many more requests moto checks signatures and
// IAM policies ("inf": never) and returns the previous setting.
func setMotoAuth(t *testing.T, aws awsFixture, freeRequests string) string {
	t.Helper()
	resp, err := http.Post(aws.Endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader(freeRequests))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Previous string `json:"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth: HTTP %d: %v", resp.StatusCode, err)
	}
	return body.Previous
}

func sortRoles(roles []assumedRole) {
	sort.Slice(roles, func(i, j int) bool { return roles[i].Role+roles[i].Session < roles[j].Role+roles[j].Session })
}
