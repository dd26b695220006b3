import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../provider/install/diff.js";
import { redactSecrets } from "../../provider/install/dry-run.js";
import { addToEnvFile, removeFromEnvFile } from "../../provider/install/env-edit.js";
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

describe("kubelet flags in environment files", () => {
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
      name: "an unquoted value, kept unquoted (systemd keeps inner blanks)",
      text: "KUBELET_EXTRA_ARGS=--v=2\n",
      want: "KUBELET_EXTRA_ARGS=--v=2 --a=1 --b=2\n",
    },
    {
      name: "single quotes",
      text: "KUBELET_EXTRA_ARGS='--v=2'\n",
      want: "KUBELET_EXTRA_ARGS='--v=2 --a=1 --b=2'\n",
    },
    {
      name: "a kubespray-style value over several lines",
      text: 'KUBELET_ARGS="--v=2 \\\n--node-ip=10.0.0.1 \\\n "\nOTHER=1\n',
      want: 'KUBELET_ARGS="--v=2 \\\n--node-ip=10.0.0.1 \\\n --a=1 --b=2 "\nOTHER=1\n',
    },
    {
      name: "the last of two assignments, the one systemd uses",
      text: 'KUBELET_EXTRA_ARGS="--v=1"\nKUBELET_EXTRA_ARGS="--v=2"\n',
      want: 'KUBELET_EXTRA_ARGS="--v=1"\nKUBELET_EXTRA_ARGS="--v=2 --a=1 --b=2"\n',
    },
  ])("adds both flags to $name", ({ text, want }) => {
    const variable = text.startsWith("KUBELET_ARGS") ? "KUBELET_ARGS" : "KUBELET_EXTRA_ARGS";
    expect(addToEnvFile(text, variable, ["--a=1", "--b=2"])).toBe(want);
  });

  it.each([
    {
      name: "the words it added, wherever they now stand",
      text: 'KUBELET_EXTRA_ARGS="--v=2 --a=1 --b=2 --node-labels=x"\n',
      want: 'KUBELET_EXTRA_ARGS="--v=2 --node-labels=x"\n',
    },
    {
      name: "nothing the operator wrote, when its words are already gone",
      text: 'KUBELET_EXTRA_ARGS="--max-pods=250"\n',
      want: 'KUBELET_EXTRA_ARGS="--max-pods=250"\n',
    },
    {
      name: "its words only, not a longer word that starts the same",
      text: 'KUBELET_EXTRA_ARGS="--a=10 --a=1"\n',
      want: 'KUBELET_EXTRA_ARGS="--a=10"\n',
    },
    {
      name: "its words from an assignment that held nothing else",
      text: '# mine\nKUBELET_EXTRA_ARGS="--a=1 --b=2"\n',
      want: '# mine\nKUBELET_EXTRA_ARGS=""\n',
    },
    {
      name: "its words only, leaving the blank that was before them",
      text: 'KUBELET_EXTRA_ARGS="--v=2 \\\n --a=1 --b=2 "\n',
      want: 'KUBELET_EXTRA_ARGS="--v=2 \\\n "\n',
    },
  ])("removes $name", ({ text, want }) => {
    expect(removeFromEnvFile(text, "KUBELET_EXTRA_ARGS", ["--a=1", "--b=2"])).toBe(want);
  });
});

describe("secrets in the dry-run output", () => {
  it.each([
    { name: "a YAML scalar", text: "  token: s3cr3t\n", want: '  token: "<redacted>"\n' },
    {
      name: "a JSON string",
      text: '  "password": "s3cr3t",\n',
      want: '  "password": "<redacted>",\n',
    },
    {
      name: "a flow mapping",
      text: "source: {type: static, password: s3cr3t}\n",
      want: 'source: {type: static, password: "<redacted>"}\n',
    },
    {
      name: "a block scalar",
      text: "auth:\n  token: |\n    s3cr3t\nrules: []\n",
      want: "auth:\n  token: |\n    <redacted>\nrules: []\n",
    },
    {
      name: "a Vault secret id",
      text: "secretId: s3cr3t\n",
      want: 'secretId: "<redacted>"\n',
    },
  ])("hides $name", ({ text, want }) => {
    expect(redactSecrets(text)).toBe(want);
    expect(redactSecrets(text)).not.toContain("s3cr3t");
  });

  it("keeps keys that name a file, not a secret", () => {
    const text = "passwordFile: /etc/pullkey/password\ntokenPath: /var/run/token\n";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("the dry-run diff", () => {
  it("is a unified diff with context", () => {
    expect(unifiedDiff("/f", "a\nb\nc\n", "a\nb\nB\nc\n")).toBe(
      "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n b\n+B\n c\n",
    );
  });

  it("shows a changed line's old text before its new text, as diff -u does", () => {
    expect(unifiedDiff("/f", "a\nold\nc\n", "a\nnew\nc\n")).toBe(
      "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-old\n+new\n c\n",
    );
  });

  it("shows a new file against /dev/null", () => {
    expect(unifiedDiff("/f", undefined, "x\n")).toBe("--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n");
  });

  it("is empty when nothing changes", () => {
    expect(unifiedDiff("/f", "x\n", "x\n")).toBe("");
  });
});
