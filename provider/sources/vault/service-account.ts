import { PullkeyError } from "../../errors.js";
import { serviceAccountClaims } from "../../protocol/token-claims.js";

/** Who the pod's service account is, from the claims of the token the kubelet passed. */
export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  /** Changes when the account is deleted and recreated; absent in hand-made tokens. */
  uid?: string;
}

const NOT_A_TOKEN =
  "the service account token from the kubelet is not a JWT with Kubernetes service account claims";

/**
 * Reads the identity from a KEP-4412 token's claims (`kubernetes.io.namespace`,
 * `kubernetes.io.serviceaccount.name/uid`, else `sub` = system:serviceaccount:<ns>:<name>).
 * The signature is not checked here: the token comes from the kubelet, which got it from the
 * API server's TokenRequest, and Vault verifies it when it is used to log in. Errors never
 * quote the token.
 */
export function serviceAccountIdentity(token: string): ServiceAccountIdentity {
  const identity = serviceAccountClaims(token);
  if (!identity) throw new PullkeyError("REQUEST_INVALID", NOT_A_TOKEN);
  return identity;
}
