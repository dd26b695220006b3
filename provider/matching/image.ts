import { PullkeyError, quote } from "../errors.js";

/**
 * Normalises an image reference the way the kubelet does before it runs a plugin
 * (pkg/util/parsers ParseImageName → reference.ParseNormalizedNamed(...).Name()): Docker Hub
 * short names gain `docker.io/` and `library/`, and the tag and digest are dropped.
 * `busybox:1.36` → `docker.io/library/busybox`.
 */
export function normalizeImageName(reference: string): string {
  const withoutDigest = reference.split("@", 1)[0] ?? "";
  const lastSlash = withoutDigest.lastIndexOf("/");
  const tagColon = withoutDigest.indexOf(":", lastSlash + 1);
  const name = tagColon < 0 ? withoutDigest : withoutDigest.slice(0, tagColon);
  if (name === "")
    throw new PullkeyError("USAGE", `image ${quote(reference)} has no repository name`);

  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const isDomain =
    slash >= 0 &&
    (first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase());
  let domain = isDomain ? first : "docker.io";
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain === "index.docker.io") domain = "docker.io";
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      path,
    )
  ) {
    throw new PullkeyError(
      "USAGE",
      `image ${quote(reference)} is not a valid reference: repository paths are lowercase letters, digits and separators`,
    );
  }
  return `${domain}/${path}`;
}
