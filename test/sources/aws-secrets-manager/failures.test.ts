import { describe, expect, it } from "vitest";
import {
  type AwsCall,
  describeAwsFailure,
} from "../../../provider/sources/aws-secrets-manager/failures.js";

const LABEL =
  'Secrets Manager secret "hub" (region eu-west-1, role arn:aws:iam::111122223333:role/pull assumed with the pod\'s service account token)';
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";

/** An error shaped like the SDK's: a name, AWS's message, the HTTP status, the fault side. */
const sdkError = (name: string, status: number, message = "AWS says why") =>
  Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
const netError = (code: string) =>
  Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

describe("turning AWS failures into error lines", () => {
  it.each<{ name: string; err: unknown; call?: AwsCall; code: string; message: string }>([
    {
      name: "a missing secret (AWS answers 400, moto 404: the name decides)",
      err: sdkError(
        "ResourceNotFoundException",
        400,
        "Secrets Manager can't find the specified secret.",
      ),
      code: "SOURCE_NOT_FOUND",
      message: `${LABEL}: Secrets Manager has no such secret or no version labelled "AWSCURRENT" (ResourceNotFoundException, HTTP 400)`,
    },
    {
      name: "a secret scheduled for deletion",
      err: sdkError(
        "InvalidRequestException",
        400,
        "You can't perform this operation on the secret because it was marked for deletion.",
      ),
      code: "SOURCE_NOT_FOUND",
      message: `${LABEL}: Secrets Manager refused to read the secret (is it scheduled for deletion?) (InvalidRequestException, HTTP 400): You can't perform this operation on the secret because it was marked for deletion.`,
    },
    {
      name: "a read the role's policy does not allow",
      err: sdkError(
        "AccessDeniedException",
        400,
        "User: arn:aws:sts::111122223333:assumed-role/pull/x is not authorized to perform: secretsmanager:GetSecretValue",
      ),
      code: "SOURCE_DENIED",
      message: `${LABEL}: access denied; the credentials need secretsmanager:GetSecretValue on the secret (and kms:Decrypt on a customer-managed key) (AccessDeniedException, HTTP 400): User: arn:aws:sts::111122223333:assumed-role/pull/x is not authorized to perform: secretsmanager:GetSecretValue`,
    },
    {
      name: "a role whose trust policy refuses the caller",
      err: sdkError("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
      call: "sts",
      code: "SOURCE_AUTH_FAILED",
      message: `${LABEL}: STS refused to let these credentials assume the role; check the role's trust policy (AccessDenied, HTTP 403): Not authorized to perform sts:AssumeRoleWithWebIdentity`,
    },
    {
      name: "a KMS key that cannot decrypt",
      err: sdkError("DecryptionFailure", 400),
      code: "SOURCE_UNAVAILABLE",
      message: `${LABEL}: Secrets Manager could not decrypt the secret with its KMS key; check that the key is enabled and the credentials have kms:Decrypt on it (DecryptionFailure, HTTP 400): AWS says why`,
    },
    {
      name: "throttling",
      err: sdkError("ThrottlingException", 400, "Rate exceeded"),
      code: "SOURCE_UNAVAILABLE",
      message: `${LABEL}: Secrets Manager is throttling requests (ThrottlingException, HTTP 400): Rate exceeded`,
    },
    {
      name: "an internal error",
      err: sdkError("InternalServiceError", 500),
      code: "SOURCE_UNAVAILABLE",
      message: `${LABEL}: Secrets Manager cannot serve the request now (InternalServiceError, HTTP 500): AWS says why`,
    },
    {
      name: "expired session credentials",
      err: sdkError(
        "ExpiredTokenException",
        400,
        "The security token included in the request is expired",
      ),
      code: "SOURCE_AUTH_FAILED",
      message: `${LABEL}: Secrets Manager rejected the credentials (ExpiredTokenException, HTTP 400): The security token included in the request is expired`,
    },
    {
      name: "a token STS does not accept, with the token cut out of AWS's message",
      err: sdkError("InvalidIdentityToken", 400, `Token ${TOKEN} has no matching provider`),
      call: "sts",
      code: "SOURCE_AUTH_FAILED",
      message: `${LABEL}: STS rejected the credentials (InvalidIdentityToken, HTTP 400): Token <redacted> has no matching provider`,
    },
    {
      name: "no credentials anywhere in the default chain",
      err: Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      code: "SOURCE_AUTH_FAILED",
      message: `${LABEL}: no AWS credentials found (environment, shared config, web identity token file, container or instance metadata) (CredentialsProviderError)`,
    },
    {
      name: "an invalid parameter",
      err: sdkError("InvalidParameterException", 400, "Invalid VersionId"),
      code: "CONFIG_INVALID",
      message: `${LABEL}: Secrets Manager rejected the request as invalid; check the source's settings (InvalidParameterException, HTTP 400): Invalid VersionId`,
    },
    {
      name: "a refused connection",
      err: netError("ECONNREFUSED"),
      code: "SOURCE_UNREACHABLE",
      message: `${LABEL}: cannot reach Secrets Manager at https://vpce.example: connection refused (ECONNREFUSED)`,
    },
    {
      name: "a name that does not resolve, on the STS call",
      err: netError("ENOTFOUND"),
      call: "sts",
      code: "SOURCE_UNREACHABLE",
      message: `${LABEL}: cannot reach STS at https://vpce.example: host not found (ENOTFOUND)`,
    },
    {
      name: "the per-call timeout",
      err: Object.assign(new Error("Request did not complete within 5000 ms"), {
        name: "TimeoutError",
        code: "ETIMEDOUT",
      }),
      code: "SOURCE_UNREACHABLE",
      message: `${LABEL}: cannot reach Secrets Manager at https://vpce.example (no answer in time)`,
    },
    {
      name: "a connection reset, which smithy names TimeoutError",
      err: Object.assign(new Error("read ECONNRESET"), {
        name: "TimeoutError",
        code: "ECONNRESET",
      }),
      code: "SOURCE_UNREACHABLE",
      message: `${LABEL}: cannot reach Secrets Manager at https://vpce.example: connection reset by the other side (ECONNRESET)`,
    },
    {
      name: "a broken pipe while sending",
      err: Object.assign(new Error("write EPIPE"), { name: "TimeoutError", code: "EPIPE" }),
      code: "SOURCE_UNREACHABLE",
      message: `${LABEL}: cannot reach Secrets Manager at https://vpce.example: connection closed by the other side while sending (EPIPE)`,
    },
    {
      name: "a certificate from an unknown CA",
      err: netError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      code: "SOURCE_TLS",
      message: `${LABEL}: TLS to https://vpce.example failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    },
    {
      name: "an undecodable 403 (moto's XML AccessDenied on a JSON API)",
      err: Object.assign(new SyntaxError("Unexpected token '<'"), {
        $metadata: { httpStatusCode: 403 },
      }),
      code: "SOURCE_DENIED",
      message: `${LABEL}: access denied: Secrets Manager answered HTTP 403 with a body that is not an AWS error`,
    },
    {
      name: "an unknown error name with a 503",
      err: sdkError("SomethingNew", 503),
      code: "SOURCE_UNAVAILABLE",
      message: `${LABEL}: Secrets Manager answered with an error (SomethingNew, HTTP 503): AWS says why`,
    },
  ])("reports $name", ({ err, call, code, message }) => {
    const failure = describeAwsFailure(err, {
      call: call ?? "secretsManager",
      label: LABEL,
      endpoint: "https://vpce.example",
      version: 'version labelled "AWSCURRENT"',
      aborted: false,
      secrets: [TOKEN],
    });
    expect({ code: failure.code, message: failure.message }).toEqual({ code, message });
    expect(failure.message).not.toContain(TOKEN);
  });

  it("reports DEADLINE_EXCEEDED whatever the SDK threw once the exec's deadline has passed", () => {
    const failure = describeAwsFailure(netError("ECONNRESET"), {
      call: "secretsManager",
      label: LABEL,
      endpoint: "https://vpce.example",
      version: 'version labelled "AWSCURRENT"',
      aborted: true,
      secrets: [],
    });
    expect(failure.code).toBe("DEADLINE_EXCEEDED");
    expect(failure.message).toBe(
      `${LABEL}: Secrets Manager did not answer before the exec's deadline`,
    );
  });
});
