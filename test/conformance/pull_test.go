package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// The whole path a private pull takes: the kubelet runs pullkey for an image
// on a registry that demands a login, and a pull with what the keyring
// returned succeeds. The same setup with a wrong password in pullkey's
// token file must fail the pull, which shows the registry really checks.
func TestARealPullSucceedsWithTheCredentialsPullkeyGaveTheKubelet(t *testing.T) {
	admin := credential{Username: "admin", Password: "admin-password"}
	puller := credential{Username: "puller", Password: "puller-password"}
	reg := startRegistry(t, map[string]string{admin.Username: admin.Password, puller.Username: puller.Password})
	pushed := reg.push(t, "conformance/random:v1", admin)
	image := reg.addr + "/conformance/random:v1"

	for _, tc := range []struct {
		name     string
		token    string
		wantPull bool
	}{
		{name: "right password", token: puller.Password, wantPull: true},
		{name: "wrong password", token: "not-" + puller.Password, wantPull: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, nodeOptions{
				Pullkey: fmt.Sprintf(`apiVersion: pullkey/v1
kind: PullkeyConfig
rules:
  - name: local-registry
    match: [%q]
    source:
      type: static
      username: puller
      passwordFile: puller.token
`, reg.addr),
				Files:       map[string]string{"puller.token": tc.token + "\n"},
				MatchImages: []string{reg.addr},
			})
			r := n.kubelet(pull(image))
			expectCredentials(t, r.Lookups[0], credential{Username: puller.Username, Password: tc.token})
			if len(r.Lookups[0].Credentials) == 0 {
				return
			}

			got, err := reg.pull(image, r.Lookups[0].Credentials[0])
			switch {
			case tc.wantPull && err != nil:
				t.Fatalf("pull %s with the kubelet's credentials: %v", image, err)
			case tc.wantPull && got != pushed:
				t.Fatalf("pulled %s, pushed %s", got, pushed)
			case !tc.wantPull && !isUnauthorized(err):
				t.Fatalf("want the pull to be refused with 401, got %v", err)
			}
		})
	}
}

func isUnauthorized(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusUnauthorized
}
