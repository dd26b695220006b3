package conformance

import (
	"strings"
	"testing"
)

// Every apiVersion the kubelet still accepts (pkg/credentialprovider/plugin
// apiVersions) must round-trip: the kubelet drops a response whose apiVersion
// differs from the configured one, so credentials arriving proves pullkey
// answered in the request's version. Both config file formats are covered,
// for the kubelet's CredentialProviderConfig and for pullkey's own config.
func TestEveryProviderAPIVersionAndConfigFormatGetsCredentials(t *testing.T) {
	for _, version := range []string{"v1", "v1beta1", "v1alpha1"} {
		for _, format := range []string{"yaml", "json"} {
			t.Run(version+"/"+format, func(t *testing.T) {
				n := newNode(t, nodeOptions{
					Pullkey:                 dockerHubRules,
					Files:                   map[string]string{"docker-config.json": dockerLoginConfig(t, hubCredential)},
					KubeletConfigAPIVersion: "kubelet.config.k8s.io/" + version,
					ProviderAPIVersion:      "credentialprovider.kubelet.k8s.io/" + version,
					JSON:                    format == "json",
				})
				r := n.kubelet(pull("busybox:1.36"))
				expectCredentials(t, r.Lookups[0], hubCredential)
				if errs := strings.Join(r.Lookups[0].Errors, "\n"); errs != "" {
					t.Errorf("the kubelet logged errors: %s", errs)
				}
			})
		}
	}
}
