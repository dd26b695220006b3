import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../provider/install/diff.js";
import {
  addToEnvFile,
  credentialFlags,
  effectiveExecStart,
  envFileValue,
  removeFromEnvFile,
  shellWords,
} from "../../provider/install/flags.js";
import {
  type ProviderEntry,
  providerEntries,
  removeProvider,
  upsertProvider,
} from "../../provider/install/kubelet-config/document.js";

const ENTRY: ProviderEntry = {
  name: "pullkey",
  matchImages: ["docker.io"],
  defaultCacheDuration: "10m",
  apiVersion: "credentialprovider.kubelet.k8s.io/v1",
};

const ECR = {
  name: "ecr-credential-provider",
  matchImages: ["*.dkr.ecr.*.amazonaws.com"],
  defaultCacheDuration: "12h",
  apiVersion: "credentialprovider.kubelet.k8s.io/v1",
};

describe("editing a CredentialProviderConfig as text", () => {
  it.each([
    {
      name: "block YAML with indented lists and comments",
      text: `apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:\n  # ECR\n  - name: ecr-credential-provider # the AWS one\n    matchImages:\n      - "*.dkr.ecr.*.amazonaws.com"\n    defaultCacheDuration: "12h"\n    apiVersion: credentialprovider.kubelet.k8s.io/v1\n# end\n`,
    },
    {
      name: "block YAML with unindented lists and no final newline",
      text: `apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:\n- name: ecr-credential-provider\n  matchImages:\n  - "*.dkr.ecr.*.amazonaws.com"\n  defaultCacheDuration: "12h"\n  apiVersion: credentialprovider.kubelet.k8s.io/v1`,
    },
    {
      name: "JSON indented with four spaces",
      text: `${JSON.stringify({ apiVersion: "kubelet.config.k8s.io/v1", kind: "CredentialProviderConfig", providers: [ECR] }, null, 4)}\n`,
    },
    {
      name: "JSON on one line",
      text: JSON.stringify({
        apiVersion: "kubelet.config.k8s.io/v1",
        kind: "CredentialProviderConfig",
        providers: [ECR],
      }),
    },
  ])("adds after the other providers and takes out again to the same bytes: $name", ({ text }) => {
    const added = upsertProvider(text, ENTRY);
    expect(providerEntries(added)).toEqual([ECR, ENTRY]);
    expect(added.startsWith(text.replace(/\n$/, "").slice(0, text.indexOf("providers")))).toBe(
      true,
    );
    expect(removeProvider(added, "pullkey")).toBe(text);
  });

  it("keeps every comment of the original file", () => {
    const text = `# top\napiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:\n  # ECR\n  - name: ecr-credential-provider # inline\n    matchImages: ["*.dkr.ecr.*.amazonaws.com"]\n    defaultCacheDuration: "12h"\n    apiVersion: credentialprovider.kubelet.k8s.io/v1\n`;
    const added = upsertProvider(text, ENTRY);
    for (const comment of ["# top", "# ECR", "# inline"]) expect(added).toContain(comment);
  });

  it("fills an empty providers list", () => {
    const text =
      "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: []\n";
    expect(providerEntries(upsertProvider(text, ENTRY))).toEqual([ENTRY]);
  });

  it("replaces its own entry where it stands", () => {
    const text = upsertProvider(
      upsertProvider(
        "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: []\n",
        ENTRY,
      ),
      ECR,
    );
    const changed = upsertProvider(text, { ...ENTRY, defaultCacheDuration: "5m" });
    expect(providerEntries(changed)).toEqual([{ ...ENTRY, defaultCacheDuration: "5m" }, ECR]);
  });
});

describe("kubelet flags in environment files and units", () => {
  it.each([
    {
      name: "an empty assignment",
      text: "KUBELET_EXTRA_ARGS=\n",
      want: 'KUBELET_EXTRA_ARGS="--a=1 --b=2"\n',
    },
    { name: "no file yet", text: "", want: 'KUBELET_EXTRA_ARGS="--a=1 --b=2"\n' },
    {
      name: "existing flags in double quotes",
      text: '# flags\nKUBELET_EXTRA_ARGS="--v=2"\n',
      want: '# flags\nKUBELET_EXTRA_ARGS="--v=2 --a=1 --b=2"\n',
    },
    {
      name: "an unquoted value",
      text: "KUBELET_EXTRA_ARGS=--v=2\n",
      want: 'KUBELET_EXTRA_ARGS="--v=2 --a=1 --b=2"\n',
    },
    {
      name: "single quotes",
      text: "KUBELET_EXTRA_ARGS='--v=2'\n",
      want: "KUBELET_EXTRA_ARGS='--v=2 --a=1 --b=2'\n",
    },
  ])("adds both flags to $name", ({ text, want }) => {
    expect(addToEnvFile(text, "KUBELET_EXTRA_ARGS", ["--a=1", "--b=2"])).toBe(want);
  });

  it("removes exactly the words it added", () => {
    const text = 'KUBELET_EXTRA_ARGS="--v=2 --a=1 --b=2 --node-labels=x"\n';
    expect(removeFromEnvFile(text, "KUBELET_EXTRA_ARGS", ["--a=1", "--b=2"])).toBe(
      'KUBELET_EXTRA_ARGS="--v=2 --node-labels=x"\n',
    );
  });

  it("reads the flags in both spellings, the last one winning as in pflag", () => {
    const words = shellWords(
      `--image-credential-provider-config /a.yaml --image-credential-provider-bin-dir="/bin dir" --image-credential-provider-config=/b.yaml`,
    );
    expect(credentialFlags(words)).toEqual({ config: "/b.yaml", binDir: "/bin dir" });
  });

  it("reads the last assignment of a variable", () => {
    expect(envFileValue('X="a b"\nexport X="c"\n', "X")).toBe("c");
  });

  it("finds the effective ExecStart across a unit and its drop-ins", () => {
    const unit = "[Service]\nExecStart=/usr/bin/kubelet \\\n  --v=2\n";
    const dropIn = "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --v=4\n";
    expect(effectiveExecStart([unit])).toBe("/usr/bin/kubelet --v=2");
    expect(effectiveExecStart([unit, dropIn])).toBe("/usr/bin/kubelet --v=4");
  });
});

describe("the dry-run diff", () => {
  it("is a unified diff with context", () => {
    expect(unifiedDiff("/f", "a\nb\nc\n", "a\nb\nB\nc\n")).toBe(
      "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n b\n+B\n c\n",
    );
  });

  it("shows a new file against /dev/null", () => {
    expect(unifiedDiff("/f", undefined, "x\n")).toBe("--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n");
  });

  it("is empty when nothing changes", () => {
    expect(unifiedDiff("/f", "x\n", "x\n")).toBe("");
  });
});
