import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { decodeRequest } from "../../../provider/protocol/request.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const V1 = "credentialprovider.kubelet.k8s.io/v1";

function failure(text: string | Uint8Array): PullkeyError {
  try {
    decodeRequest(typeof text === "string" ? bytes(text) : text);
  } catch (err) {
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("decodeRequest accepted the input");
}

describe("decoding the kubelet's request", () => {
  it.each([{ version: "v1" }, { version: "v1beta1" }, { version: "v1alpha1" }])(
    "accepts a $version request exactly as the kubelet encodes it",
    ({ version }) => {
      const apiVersion = `credentialprovider.kubelet.k8s.io/${version}`;
      const wire = `{"kind":"CredentialProviderRequest","apiVersion":"${apiVersion}","image":"test.registry.io/foobar"}\n`;
      expect(decodeRequest(bytes(wire))).toEqual({ apiVersion, image: "test.registry.io/foobar" });
    },
  );

  it("keeps the service account token and annotations of a v1 request", () => {
    const wire = `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":"test.registry.io/foobar","serviceAccountToken":"service-account-token","serviceAccountAnnotations":{"domain.io/annotation1":"value1"}}\n`;
    expect(decodeRequest(bytes(wire))).toEqual({
      apiVersion: V1,
      image: "test.registry.io/foobar",
      serviceAccountToken: "service-account-token",
      serviceAccountAnnotations: { "domain.io/annotation1": "value1" },
    });
  });

  it("ignores service account fields in v1beta1, whose type does not have them", () => {
    const wire = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","image":"a.io/b","serviceAccountToken":"t"}`;
    expect(decodeRequest(bytes(wire))).not.toHaveProperty("serviceAccountToken");
  });

  it("tolerates request fields it does not know, because newer kubelets add fields", () => {
    const wire = `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":"a.io/b","futureField":{"x":1}}`;
    expect(decodeRequest(bytes(wire))).toEqual({ apiVersion: V1, image: "a.io/b" });
  });

  it.each([
    { name: "empty stdin", input: "", says: "empty request on stdin" },
    { name: "invalid JSON", input: "{not json", says: "not a single valid JSON document" },
    {
      name: "two documents",
      input: `{"kind":"CredentialProviderRequest"} {}`,
      says: "not a single valid JSON document",
    },
    { name: "a JSON array", input: "[]", says: "not a JSON object" },
    {
      name: "no kind",
      input: `{"apiVersion":"${V1}","image":"a.io/b"}`,
      says: 'request has no kind; expected "CredentialProviderRequest"',
    },
    {
      name: "wrong kind",
      input: `{"kind":"CredentialProviderResponse","apiVersion":"${V1}","image":"a.io/b"}`,
      says: 'request kind is "CredentialProviderResponse"',
    },
    {
      name: "unknown apiVersion",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"a.io/b"}`,
      says: "supported: credentialprovider.kubelet.k8s.io/v1, credentialprovider.kubelet.k8s.io/v1beta1, credentialprovider.kubelet.k8s.io/v1alpha1",
    },
    {
      name: "wrong group",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"foobar.kubelet.k8s.io/v1","image":"a.io/b"}`,
      says: 'request apiVersion is "foobar.kubelet.k8s.io/v1"',
    },
    {
      name: "missing image",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}"}`,
      says: "request has no image (image is missing)",
    },
    {
      name: "empty image",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":""}`,
      says: "request has no image",
    },
    {
      name: "numeric image",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":5}`,
      says: "image is a number",
    },
    {
      name: "an image name longer than any repository name",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":"a.io/${"b".repeat(5000)}"}`,
      says: "request image is 5005 characters long; the kubelet sends repository names of at most 255 characters, and pullkey accepts at most 4096",
    },
    {
      name: "non-string token",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":"a.io/b","serviceAccountToken":1}`,
      says: "serviceAccountToken is not a string",
    },
    {
      name: "non-string annotation",
      input: `{"kind":"CredentialProviderRequest","apiVersion":"${V1}","image":"a.io/b","serviceAccountAnnotations":{"k":1}}`,
      says: 'serviceAccountAnnotations["k"] is not a string',
    },
  ])("rejects $name with REQUEST_INVALID and a clear message", ({ input, says }) => {
    const err = failure(input);
    expect(err.code).toBe("REQUEST_INVALID");
    expect(err.message).toContain(says);
  });

  it("rejects bytes that are not UTF-8", () => {
    expect(failure(new Uint8Array([0xff, 0xfe, 0x7b])).message).toContain("not UTF-8");
  });

  it("never quotes the request back when the JSON is broken, since it may hold a token", () => {
    const err = failure(
      `{"kind":"CredentialProviderRequest","serviceAccountToken":"eyJhbGciOi-secret-token"`,
    );
    expect(err.message).not.toContain("eyJhbGciOi");
  });
});
