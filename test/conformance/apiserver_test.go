package conformance

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fakeAPIServer answers the kubelet's two KEP-4412 hooks the way the API
// server would: the ServiceAccount object (UID, annotations) and a
// TokenRequest for it. Each token it mints is recorded in seen.
type fakeAPIServer struct {
	accounts []serviceAccount
	seen     *[]tokenRequestSeen
}

func (a *fakeAPIServer) find(namespace, name string) (serviceAccount, error) {
	for _, sa := range a.accounts {
		if sa.Namespace == namespace && sa.Name == name {
			return sa, nil
		}
	}
	return serviceAccount{}, fmt.Errorf(`serviceaccounts "%s" not found in namespace %q`, name, namespace)
}

// serviceAccount is the kubelet's getServiceAccount hook.
func (a *fakeAPIServer) serviceAccount(namespace, name string) (*v1.ServiceAccount, error) {
	sa, err := a.find(namespace, name)
	if err != nil {
		return nil, err
	}
	return &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Namespace:   sa.Namespace,
		Name:        sa.Name,
		UID:         types.UID(sa.UID),
		Annotations: sa.Annotations,
	}}, nil
}

// serviceAccountToken is the kubelet's getServiceAccountToken hook: it
// returns a token shaped like the API server's (a JWT whose claims name the
// audience, the service account and the bound pod), unsigned, as in
// test/sources/aws-secrets-manager/moto-fixtures.ts (moto does not verify it).
func (a *fakeAPIServer) serviceAccountToken(namespace, name string, tr *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	sa, err := a.find(namespace, name)
	if err != nil {
		return nil, err
	}
	seen := tokenRequestSeen{Namespace: namespace, ServiceAccount: name, UID: string(tr.UID), Audiences: tr.Spec.Audiences}
	claims := map[string]any{
		"aud": tr.Spec.Audiences,
		"sub": "system:serviceaccount:" + namespace + ":" + name,
		"iss": "https://kubernetes.default.svc.cluster.local",
		"iat": time.Now().Unix(),
		"exp": time.Now().Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      namespace,
			"serviceaccount": map[string]string{"name": name, "uid": sa.UID},
		},
	}
	if ref := tr.Spec.BoundObjectRef; ref != nil {
		seen.BoundKind, seen.BoundName, seen.BoundUID = ref.Kind, ref.Name, string(ref.UID)
		claims["kubernetes.io"].(map[string]any)["pod"] = map[string]string{"name": ref.Name, "uid": string(ref.UID)}
	}
	part := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return base64.RawURLEncoding.EncodeToString(data)
	}
	seen.Token = part(map[string]string{"alg": "RS256", "kid": "conformance"}) + "." + part(claims) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("sa-token-%s-%s-%d", namespace, name, len(*a.seen))))
	*a.seen = append(*a.seen, seen)
	out := tr.DeepCopy()
	out.Status = authenticationv1.TokenRequestStatus{Token: seen.Token, ExpirationTimestamp: metav1.NewTime(time.Now().Add(time.Hour))}
	return out, nil
}
