package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"golang.org/x/crypto/bcrypt"
)

// registry is a CNCF distribution registry on loopback with htpasswd auth.
type registry struct {
	// addr is 127.0.0.1:<port>, the registry host as it appears in image names.
	addr string
}

// startRegistry runs the registry until the test ends, with one htpasswd
// entry per user (bcrypt is the only hash distribution accepts).
func startRegistry(t *testing.T, users map[string]string) *registry {
	t.Helper()
	bin := pathFromEnv(envRegistryBin, "/usr/bin/docker-registry")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the registry %s is missing (scripts/peers/registry.mjs installs the docker-registry package, or set %s): %v", bin, envRegistryBin, err)
	}
	dir := t.TempDir()
	var htpasswd strings.Builder
	for user, password := range users {
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&htpasswd, "%s:%s\n", user, hash)
	}
	mustWrite(t, filepath.Join(dir, "htpasswd"), htpasswd.String())

	// The port is found free and then handed over, so another process could
	// take it in between; a second attempt covers that.
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		addr := freeLoopbackAddr(t)
		config := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %[1]s/storage
  maintenance:
    uploadpurging:
      enabled: false
health:
  storagedriver:
    enabled: false
http:
  addr: %[2]s
  secret: conformance-only-not-secret
auth:
  htpasswd:
    realm: pullkey-conformance
    path: %[1]s/htpasswd
`, dir, addr)
		configPath := filepath.Join(dir, "config.yml")
		mustWrite(t, configPath, config)
		if lastErr = runRegistry(t, bin, configPath, addr); lastErr == nil {
			return &registry{addr: addr}
		}
	}
	t.Fatalf("the registry did not start: %v", lastErr)
	return nil
}

// runRegistry starts the registry and waits for it to ask for credentials.
func runRegistry(t *testing.T, bin, configPath, addr string) error {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", configPath)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() { cancel(); <-exited }

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			cancel()
			return fmt.Errorf("registry exited: %s", out.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				t.Cleanup(func() {
					stop()
					if t.Failed() {
						t.Logf("registry output:\n%s", out.String())
					}
				})
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return fmt.Errorf("registry did not answer on %s within 30s: %s", addr, out.String())
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// push writes a small random image to repo:tag and returns its digest.
func (r *registry) push(t *testing.T, repoTag string, c credential) v1.Hash {
	t.Helper()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(r.addr+"/"+repoTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(basic(c))); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

// pull fetches the manifest, config and every layer of image, checking their
// digests, as a container runtime would; it returns the manifest digest.
func (r *registry) pull(image string, c credential) (v1.Hash, error) {
	ref, err := name.ParseReference(image, name.Insecure)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := remote.Image(ref, remote.WithAuth(basic(c)))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := validate.Image(img); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

func basic(c credential) authn.Authenticator {
	return &authn.Basic{Username: c.Username, Password: c.Password}
}

// lockedBuffer collects a child's output, which is written from another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
