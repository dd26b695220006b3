package conformance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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
	// signingKey, when set, is the service account issuer's key: tokens are
	// signed with it (RS256 or ES256, as the API server signs with an RSA or
	// P-256 key), so a verifier such as Vault's JWT auth accepts them.
	// Without it tokens carry a placeholder signature (moto checks none).
	signingKey crypto.Signer
}

// parseSigningKey reads a PKCS #8 PEM RSA or P-256 private key.
func parseSigningKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, fmt.Errorf("the token signing key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the token signing key: %w", err)
	}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		return key, nil
	case *ecdsa.PrivateKey:
		if key.Curve.Params().BitSize == 256 {
			return key, nil
		}
	}
	return nil, fmt.Errorf("the token signing key is a %T; want RSA or P-256", key)
}

// signJWT returns the JWS compact serialisation of claims (RFC 7515), signed
// with key, or with a placeholder signature when key is nil.
func signJWT(key crypto.Signer, claims any, placeholder string) string {
	part := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return base64.RawURLEncoding.EncodeToString(data)
	}
	alg := "RS256"
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		alg = "ES256"
	}
	input := part(map[string]string{"alg": alg, "typ": "JWT", "kid": "conformance"}) + "." + part(claims)
	signature := []byte(placeholder)
	digest := sha256.Sum256([]byte(input))
	var err error
	switch key := key.(type) {
	case *rsa.PrivateKey:
		signature, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	case *ecdsa.PrivateKey:
		// JWS wants r and s as two fixed-size big-endian halves (RFC 7518 §3.4), not ASN.1.
		r, s, signErr := ecdsa.Sign(rand.Reader, key, digest[:])
		if err = signErr; err == nil {
			signature = make([]byte, 64)
			r.FillBytes(signature[:32])
			s.FillBytes(signature[32:])
		}
	}
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(signature)
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
// audience, the service account and the bound pod), signed with signingKey
// when there is one.
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
	seen.Token = signJWT(a.signingKey, claims, fmt.Sprintf("sa-token-%s-%s-%d", namespace, name, len(*a.seen)))
	*a.seen = append(*a.seen, seen)
	out := tr.DeepCopy()
	out.Status = authenticationv1.TokenRequestStatus{Token: seen.Token, ExpirationTimestamp: metav1.NewTime(time.Now().Add(time.Hour))}
	return out, nil
}
