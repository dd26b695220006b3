import { isAnnotationKey } from "../../protocol/annotation-key.js";
import type { SpecOf, Zod } from "../descriptor.js";

// Shapes of AWS identifiers, checked when the config is read so a typo fails `pullkey validate`
// instead of a pull. Partitions: aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc.
const REGION_RE = /^[a-z]{2,4}(?:-[a-z]+)+-\d+$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SECRET_ARN_RE = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;
// STS RoleSessionName: 2-64 of [\w+=,.@-] (AssumeRole API reference).
const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;

/** The region in a secret ARN, which is where the secret lives whatever else is configured. */
export function secretArnRegion(secretId: string): string | undefined {
  return SECRET_ARN_RE.exec(secretId)?.[1];
}

/**
 * Config of the AWS Secrets Manager source.
 * Built with the zod the caller passes, so only the config compiler loads zod.
 */
export function awsSecretsManagerSpec(z: Zod) {
  const roleArn = (what: string) =>
    z
      .string()
      .check(
        z.regex(ROLE_ARN_RE, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/name"),
        z.describe(what),
      );

  const sessionName = z.optional(
    z
      .string()
      .check(
        z.regex(SESSION_NAME_RE, "must be 2-64 letters, digits or +=,.@_-"),
        z.describe("The role session name AWS records in CloudTrail."),
      ),
  );

  const endpoint = (service: string, env: string) =>
    z.optional(
      z
        .string()
        .check(
          z.regex(/^https?:\/\/[^\s/]+(?:\/\S*)?$/, "must be an http:// or https:// URL"),
          z.describe(
            `Overrides the ${service} endpoint (a VPC endpoint, a test double); default: ${env}, then AWS_ENDPOINT_URL, then the region's public endpoint.`,
          ),
        ),
    );

  const assumeRole = z
    .strictObject({
      roleArn: roleArn("The role to assume with the node's own credentials (sts:AssumeRole)."),
      sessionName,
      externalId: z.optional(
        z
          .string()
          .check(
            z.regex(/^[\w+=,.@:/-]{2,1224}$/, "must be 2-1224 letters, digits or +=,.@:/_-"),
            z.describe("The ExternalId the role's trust policy requires, if any."),
          ),
      ),
    })
    .check(
      z.describe(
        "Assume this role with the default credentials before reading the secret (e.g. a secret in another account).",
      ),
    );

  const serviceAccount = z
    .strictObject({
      roleArn: z.optional(
        roleArn(
          "The role to assume with the pod's service account token (sts:AssumeRoleWithWebIdentity) when the annotation below is absent.",
        ),
      ),
      roleArnAnnotation: z.optional(
        z
          .string()
          .check(
            z.refine(isAnnotationKey, "must be a Kubernetes annotation key"),
            z.describe(
              "A service-account annotation naming the role to assume; the kubelet must pass it (tokenAttributes.requiredServiceAccountAnnotationKeys or optionalServiceAccountAnnotationKeys) and its value must be listed in allowedRoleArns.",
            ),
          ),
      ),
      allowedRoleArns: z.optional(
        z
          .array(roleArn("A role a service-account annotation may name."))
          .check(
            z.minLength(1, "must list at least one role ARN"),
            z.describe(
              "The only roles an annotation may choose: request data never picks an arbitrary account or role.",
            ),
          ),
      ),
      sessionName,
      requireToken: z.optional(
        z
          .boolean()
          .check(
            z.describe(
              "Fail when the request carries no service account token instead of using the default credentials (default false: static pods use the node's credentials).",
            ),
          ),
      ),
    })
    .check(
      z.refine(
        (sa) => sa.roleArn !== undefined || sa.roleArnAnnotation !== undefined,
        'set "roleArn", "roleArnAnnotation" or both',
      ),
      z.refine(
        (sa) => (sa.roleArnAnnotation === undefined) === (sa.allowedRoleArns === undefined),
        '"roleArnAnnotation" and "allowedRoleArns" go together: an annotation may only choose from an admin-approved list',
      ),
      z.describe(
        "KEP-4412: exchange the pod's service account token that the kubelet passes (tokenAttributes) for a role's credentials with STS AssumeRoleWithWebIdentity.",
      ),
    );

  return z
    .strictObject({
      type: z.literal("awsSecretsManager"),
      secretId: z
        .string()
        .check(
          z.minLength(1, "must name the secret"),
          z.maxLength(2048, "must be at most 2048 characters"),
          z.describe(
            "The secret's name or ARN (use the full ARN for a secret in another account).",
          ),
        ),
      region: z.optional(
        z
          .string()
          .check(
            z.regex(REGION_RE, "must be an AWS region such as us-east-1"),
            z.describe(
              "Default: the region of a secretId ARN, else AWS_REGION, else AWS_DEFAULT_REGION, read at each exec.",
            ),
          ),
      ),
      versionStage: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must not be empty"),
            z.describe("The staging label to read; default AWSCURRENT."),
          ),
      ),
      versionId: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must not be empty"),
            z.describe("A fixed version to read instead of a staging label."),
          ),
      ),
      endpoint: endpoint("Secrets Manager", "AWS_ENDPOINT_URL_SECRETS_MANAGER"),
      stsEndpoint: endpoint("STS", "AWS_ENDPOINT_URL_STS"),
      format: z.optional(
        z
          .enum(["auto", "fields", "ecrPullThroughCache", "dockerConfigJson"])
          .check(
            z.describe(
              'How the secret holds the credential: fields (JSON {"username","password"}, names set by `fields`), ecrPullThroughCache (JSON {"username","accessToken"}), dockerConfigJson ({"auths":{...}}), or auto (default: whichever matches).',
            ),
          ),
      ),
      fields: z.optional(
        z
          .strictObject({
            username: z.optional(
              z
                .string()
                .check(
                  z.describe(
                    'The JSON field with the username (default "username"); "" means the registry takes a bare token.',
                  ),
                ),
            ),
            password: z.optional(
              z
                .string()
                .check(
                  z.minLength(1, "must name the field"),
                  z.describe('The JSON field with the password or token (default "password").'),
                ),
            ),
          })
          .check(z.describe("Field names for the fields format.")),
      ),
      registry: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must not be empty"),
            z.describe(
              "For a dockerconfigjson secret: which `auths` entry to use; default the registry of the image being pulled.",
            ),
          ),
      ),
      assumeRole: z.optional(assumeRole),
      serviceAccount: z.optional(serviceAccount),
    })
    .check(
      z.refine((s) => s.versionId === undefined || s.versionStage === undefined, {
        message: 'set at most one of "versionId" or "versionStage"',
        path: ["versionId"],
      }),
      z.refine(
        (s) =>
          s.fields === undefined ||
          s.format === undefined ||
          s.format === "fields" ||
          s.format === "auto",
        {
          message: '"fields" applies only to format fields or auto',
          path: ["fields"],
        },
      ),
      z.refine(
        (s) =>
          s.registry === undefined ||
          s.format === undefined ||
          s.format === "dockerConfigJson" ||
          s.format === "auto",
        {
          message: '"registry" applies only to format dockerConfigJson or auto',
          path: ["registry"],
        },
      ),
      z.refine(
        (s) => {
          const fromArn = secretArnRegion(s.secretId);
          return s.region === undefined || fromArn === undefined || fromArn === s.region;
        },
        {
          message: "differs from the region in the secretId ARN; leave it out or make them agree",
          path: ["region"],
        },
      ),
      z.describe(
        "Credentials from an AWS Secrets Manager secret, read with the node's AWS credentials, an assumed role, or the pod's service account token (KEP-4412).",
      ),
    );
}

export type AwsSecretsManagerSpec = SpecOf<typeof awsSecretsManagerSpec>;
