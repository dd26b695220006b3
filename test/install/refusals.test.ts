import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { rootedFs } from "../../provider/node/fs.js";
import {
  copyRoot,
  DOCKER_CONFIG,
  FAKE_EXECUTABLE,
  pullkey,
  removeRoots,
  snapshot,
} from "./harness.js";

afterAll(removeRoots);

const INSTALL = ["--executable", FAKE_EXECUTABLE, "--docker-config", DOCKER_CONFIG];

function put(root: string, path: string, text: string, mode = 0o644): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
  chmodSync(join(root, path), mode);
}

const GCR = `apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: gcr-credential-provider
    matchImages: ["gcr.io"]
    defaultCacheDuration: "1m"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
`;

const ECR_ONLY = `apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: ecr-credential-provider
    matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    defaultCacheDuration: "12h"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
`;

interface Refusal {
  name: string;
  root: string;
  setup?: (root: string) => void;
  args: string[];
  status: number;
  /** The one stderr line, exactly. */
  error: string;
}

const REFUSALS: Refusal[] = [
  {
    name: "an unknown flavour",
    root: "kubeadm",
    args: [...INSTALL, "--flavour", "openshift"],
    status: 2,
    error: "pullkey: USAGE: --flavour openshift is not one of kubeadm, k3s, rke2, eks, systemd",
  },
  {
    name: "a missing executable",
    root: "kubeadm",
    args: ["--executable", "/nonexistent/pullkey", "--docker-config", DOCKER_CONFIG],
    status: 2,
    error: "pullkey: USAGE: cannot read executable /nonexistent/pullkey: no such file",
  },
  {
    name: "a matchImages path glob that never matches",
    root: "kubeadm",
    args: [...INSTALL, "--match-image", "registry.io/*"],
    status: 1,
    error:
      'pullkey: CONFIG_INVALID: pullkey\'s entry would never run: matchImages[0]: "registry.io/*": the path part is a plain prefix, not a glob, so it never matches; write "registry.io"',
  },
  {
    name: "Docker Hub's legacy host in matchImages",
    root: "kubeadm",
    args: [...INSTALL, "--match-image", "index.docker.io"],
    status: 1,
    error:
      'pullkey: CONFIG_INVALID: pullkey\'s entry would never run: matchImages[0]: "index.docker.io" never matches: the kubelet rewrites index.docker.io to docker.io before it asks a plugin; write "docker.io" or use preset: dockerhub',
  },
  {
    name: "a provider of the same name that the installer did not write",
    root: "rke2",
    setup: (root) =>
      put(
        root,
        "/var/lib/rancher/credentialprovider/config.yaml",
        ECR_ONLY.replace("ecr-credential-provider", "pullkey"),
      ),
    args: INSTALL,
    status: 1,
    error:
      'pullkey: CONFIG_INVALID: /var/lib/rancher/credentialprovider/config.yaml already has a provider named "pullkey" that this installer did not write; choose another --name, or pass --force to replace it',
  },
  {
    name: "a config folder path that is a file",
    root: "kubeadm",
    setup: (root) => put(root, "/etc/kubernetes", "not a folder\n"),
    args: INSTALL,
    status: 2,
    error:
      "pullkey: USAGE: cannot write /etc/kubernetes/credential-provider-config.yaml: /etc/kubernetes is not a folder",
  },
  {
    name: "a bin dir that is a file",
    root: "k3s",
    setup: (root) => put(root, "/var/lib/rancher/credentialprovider/bin", "not a folder\n"),
    args: INSTALL,
    status: 2,
    error:
      "pullkey: USAGE: the credential provider bin dir /var/lib/rancher/credentialprovider/bin is not a folder",
  },
  {
    name: "no pullkey config at all",
    root: "kubeadm",
    args: ["--executable", FAKE_EXECUTABLE],
    status: 2,
    error:
      "pullkey: USAGE: no pullkey config: give --pullkey-config FILE, or --docker-config FILE for Docker Hub (/etc/pullkey/config.yaml does not exist yet)",
  },
  {
    name: "a pullkey config that reads a file missing on the node",
    root: "kubeadm",
    setup: (root) =>
      put(
        root,
        "/input/config.yaml",
        "apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: dockerConfig, path: /etc/pullkey/missing.json}\n",
      ),
    args: ["--executable", FAKE_EXECUTABLE, "--pullkey-config", "input/config.yaml"],
    status: 1,
    error:
      "pullkey: CONFIG_INVALID: pullkey's config /etc/pullkey/config.yaml reads /etc/pullkey/missing.json, which does not exist on the node",
  },
  {
    name: "service account mode without a cacheType",
    root: "kubeadm",
    args: [...INSTALL, "--token-audience", "pullkey"],
    status: 2,
    error:
      "pullkey: USAGE: --token-audience needs --token-cache-type ServiceAccount or Token (required by kubelet 1.34+)",
  },
  {
    name: "service account mode with a v1beta1 provider apiVersion",
    root: "kubeadm",
    args: [
      ...INSTALL,
      ...["--token-audience", "pullkey", "--token-cache-type", "Token"],
      ...["--provider-api-version", "v1beta1"],
    ],
    status: 1,
    error:
      "pullkey: CONFIG_INVALID: the kubelet would not start: failed to validate credential provider config: providers.tokenAttributes: Forbidden: tokenAttributes is only supported for credentialprovider.kubelet.k8s.io/v1 API version (tokenAttributes needs kubelet.config.k8s.io/v1 and kubelet 1.33+)",
  },
  {
    name: "service account mode in a v1beta1 config file",
    root: "kubeadm-flags-already-set",
    setup: (root) =>
      put(
        root,
        "/etc/kubernetes/image-credential-provider.yaml",
        readFileSync(join(root, "/etc/kubernetes/image-credential-provider.yaml"), "utf8").replace(
          "kubelet.config.k8s.io/v1\n",
          "kubelet.config.k8s.io/v1beta1\n",
        ),
      ),
    args: [...INSTALL, "--token-audience", "pullkey", "--token-cache-type", "ServiceAccount"],
    status: 1,
    error:
      'pullkey: CONFIG_INVALID: the kubelet would not start: error decoding config "/etc/kubernetes/image-credential-provider.yaml": strict decoding error: unknown field "providers[1].tokenAttributes" (tokenAttributes needs kubelet.config.k8s.io/v1 and kubelet 1.33+)',
  },
  {
    name: "an existing config the kubelet already rejects",
    root: "rke2",
    setup: (root) =>
      put(
        root,
        "/var/lib/rancher/credentialprovider/config.yaml",
        ECR_ONLY.replace('    defaultCacheDuration: "12h"\n', ""),
      ),
    args: INSTALL,
    status: 1,
    error:
      "pullkey: CONFIG_INVALID: the kubelet would not start: failed to validate credential provider config: providers.defaultCacheDuration: Required value",
  },
  {
    name: "flags that would make the kubelet look for a provider whose executable is missing",
    root: "kubeadm",
    setup: (root) => put(root, "/etc/kubernetes/credential-provider-config.yaml", ECR_ONLY),
    args: INSTALL,
    status: 1,
    error:
      'pullkey: CONFIG_INVALID: provider "ecr-credential-provider" has no executable /usr/local/lib/kubelet/credential-providers/ecr-credential-provider: the kubelet refuses to start ("plugin binary executable  did not exist")',
  },
  {
    name: "a --kubelet-config that contradicts kubeadm-flags.env",
    root: "kubeadm-flags-already-set",
    args: [...INSTALL, "--kubelet-config", "/etc/kubernetes/other.yaml"],
    status: 2,
    error:
      "pullkey: USAGE: --kubelet-config /etc/kubernetes/other.yaml contradicts --image-credential-provider-config=/etc/kubernetes/image-credential-provider.yaml already set in KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env:1; leave --kubelet-config out to use it",
  },
  {
    name: "a config folder on k3s, which passes the flag only for a file",
    root: "k3s",
    args: [...INSTALL, "--drop-in"],
    status: 2,
    error: "pullkey: USAGE: k3s passes the kubelet flags only for a config file, not a folder",
  },
  {
    name: "a config folder on a 1.33 kubelet",
    root: "kubeadm",
    args: [...INSTALL, "--drop-in", "--kubelet-version", "v1.33.4"],
    status: 2,
    error: "pullkey: USAGE: a config folder needs kubelet 1.34 or newer; this kubelet is 1.33",
  },
  {
    name: "service account mode on a 1.33 kubelet",
    root: "kubeadm",
    args: [
      ...INSTALL,
      ...["--token-audience", "pullkey", "--token-cache-type", "Token"],
      ...["--kubelet-version", "1.33"],
    ],
    status: 2,
    error:
      "pullkey: USAGE: service account token mode needs kubelet 1.34 or newer; this kubelet is 1.33",
  },
  {
    name: "a node with no recognisable flavour",
    root: "",
    args: INSTALL,
    status: 2,
    error:
      "pullkey: USAGE: cannot tell which Kubernetes flavour this node runs (looked for /etc/eks/kubelet/environment, /etc/rancher/{rke2,k3s}, k3s/rke2 units, /var/lib/kubelet/kubeadm-flags.env, kubelet.service in /etc/systemd/system, /run/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system, /lib/systemd/system); pass --flavour kubeadm|k3s|rke2|eks|systemd",
  },
];

describe("the installer stops before writing anything", () => {
  it.each(REFUSALS)("on $name", async (refusal) => {
    const root = copyRoot(refusal.root || undefined);
    refusal.setup?.(root);
    const before = snapshot(root);
    const result = await pullkey("install", root, refusal.args);
    expect(result.stderr).toBe(`${refusal.error}\n`);
    expect(result.status).toBe(refusal.status);
    expect(result.stdout).toBe("");
    expect(snapshot(root)).toEqual(before);
  });
});

describe("unwritable places", () => {
  it("stops before the first write when a target folder is on a read-only filesystem", async () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const readOnlyEtc = (dir: string) => {
      const real = rootedFs(dir);
      return {
        ...real,
        writable: async (path: string) =>
          path.startsWith("/etc") ? "on a read-only filesystem" : undefined,
      };
    };
    const result = await pullkey("install", root, INSTALL, readOnlyEtc);
    expect(result.stderr).toBe(
      "pullkey: USAGE: cannot write /etc/pullkey/docker-config.json: /etc is on a read-only filesystem\n",
    );
    expect(snapshot(root)).toEqual(before);
  });
});

describe("an install cut short", () => {
  it("can still be uninstalled back to the original tree", async () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const failOnFlags = (dir: string) => {
      const real = rootedFs(dir);
      return {
        ...real,
        writeAtomic: async (path: string, bytes: Uint8Array, mode: number) => {
          if (path === "/etc/default/kubelet")
            throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
          return real.writeAtomic(path, bytes, mode);
        },
      };
    };
    const failed = await pullkey("install", root, INSTALL, failOnFlags);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toBe(
      "pullkey: INTERNAL: writing /etc/default/kubelet failed (ENOSPC); the files written so far are in /var/lib/pullkey/install/manifest.json, and pullkey uninstall takes them out\n",
    );
    const result = await pullkey("uninstall", root, []);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });
});

describe("the installer's merge", () => {
  it("replaces a same-named provider it did not write only with --force", async () => {
    const root = copyRoot("rke2");
    put(
      root,
      "/var/lib/rancher/credentialprovider/config.yaml",
      ECR_ONLY.replace("ecr-credential-provider", "pullkey"),
    );
    const result = await pullkey("install", root, [...INSTALL, "--force"]);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"), "utf8"),
    );
    expect(config.providers).toHaveLength(1);
    expect(config.providers[0].args).toEqual(["--config", "/etc/pullkey/config.yaml"]);
  });

  it("updates its own entry in place on a re-install with other options", async () => {
    const root = copyRoot("rke2");
    await pullkey("install", root, INSTALL);
    const result = await pullkey("install", root, [...INSTALL, "--default-cache-duration", "5m"]);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"), "utf8"),
    );
    expect(config.providers.map((p: { name: string }) => p.name)).toEqual([
      "ecr-credential-provider",
      "pullkey",
    ]);
    expect(config.providers[1].defaultCacheDuration).toBe("5m");
  });

  it("takes out only its own entry on uninstall when the file was edited since", async () => {
    const root = copyRoot("kubeadm");
    await pullkey("install", root, INSTALL);
    const path = join(root, "/etc/kubernetes/credential-provider-config.yaml");
    const edited = `${readFileSync(path, "utf8")}  - name: other\n    matchImages: [ghcr.io]\n    defaultCacheDuration: 1m\n    apiVersion: credentialprovider.kubelet.k8s.io/v1\n`;
    writeFileSync(path, edited);
    const result = await pullkey("uninstall", root, []);
    expect(result.status).toBe(0);
    const config = parse(readFileSync(path, "utf8"));
    expect(config.providers.map((p: { name: string }) => p.name)).toEqual(["other"]);
    // The flags it added are gone all the same.
    expect(readFileSync(join(root, "/etc/default/kubelet"), "utf8")).toBe("KUBELET_EXTRA_ARGS=\n");
  });

  it("deletes the systemd drop-in it created on uninstall, even after an edit", async () => {
    const root = copyRoot("systemd");
    const before = snapshot(root);
    await pullkey("install", root, [...INSTALL, "--flavour", "systemd"]);
    const dropIn = join(
      root,
      "/etc/systemd/system/kubelet.service.d/90-pullkey-credential-provider.conf",
    );
    writeFileSync(dropIn, `${readFileSync(dropIn, "utf8")}# edited\n`);
    const result = await pullkey("uninstall", root, []);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("writes the KEP-4412 token attributes, cacheType included", async () => {
    const root = copyRoot("kubeadm");
    const result = await pullkey("install", root, [
      ...INSTALL,
      ...["--token-audience", "pullkey.example.com", "--token-cache-type", "ServiceAccount"],
      ...["--required-annotation", "pullkey.example.com/role"],
    ]);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/etc/kubernetes/credential-provider-config.yaml"), "utf8"),
    );
    expect(config.providers[0].tokenAttributes).toEqual({
      serviceAccountTokenAudience: "pullkey.example.com",
      cacheType: "ServiceAccount",
      requireServiceAccount: true,
      requiredServiceAccountAnnotationKeys: ["pullkey.example.com/role"],
    });
  });

  it("neutralises NODE_OPTIONS and friends, except what --keep-env names", async () => {
    const root = copyRoot("kubeadm");
    await pullkey("install", root, [
      ...INSTALL,
      "--keep-env",
      "NODE_EXTRA_CA_CERTS",
      "--env",
      "HTTPS_PROXY=http://proxy:3128",
    ]);
    const config = parse(
      readFileSync(join(root, "/etc/kubernetes/credential-provider-config.yaml"), "utf8"),
    );
    expect(config.providers[0].env).toEqual([
      { name: "NODE_OPTIONS", value: "" },
      { name: "NODE_TLS_REJECT_UNAUTHORIZED", value: "" },
      { name: "NODE_DEBUG", value: "" },
      { name: "NODE_V8_COVERAGE", value: "" },
      { name: "HTTPS_PROXY", value: "http://proxy:3128" },
    ]);
  });

  it("keeps a backup of every file it changes", async () => {
    const root = copyRoot("eks");
    const original = readFileSync(join(root, "/etc/eks/image-credential-provider/config.json"));
    const result = await pullkey("install", root, INSTALL);
    expect(result.stderr).toContain(
      "pullkey: backup /var/lib/pullkey/install/backups/20260102T030405%etc%eks%image-credential-provider%config.json",
    );
    const backup = readFileSync(
      join(
        root,
        "/var/lib/pullkey/install/backups/20260102T030405%etc%eks%image-credential-provider%config.json",
      ),
    );
    expect(backup.equals(original)).toBe(true);
    rmSync(join(root, "/var/lib/pullkey"), { recursive: true });
  });
});

describe("restarting", () => {
  it("runs the restart in the host's namespaces from a DaemonSet pod (--restart-via nsenter)", async () => {
    const root = copyRoot("k3s");
    const result = await pullkey("install", root, [
      ...INSTALL,
      "--restart",
      "--restart-via",
      "nsenter",
    ]);
    expect(result.status).toBe(0);
    const nsenter = [
      "nsenter",
      "--target",
      "1",
      "--mount",
      "--uts",
      "--ipc",
      "--net",
      "--pid",
      "--",
    ];
    expect(result.commands).toEqual([
      [...nsenter, "kubelet", "--version"],
      [...nsenter, "/var/lib/rancher/credentialprovider/bin/pullkey", "version"],
      [...nsenter, "systemctl", "restart", "k3s"],
    ]);
  });

  it("runs the copied executable from the bin dir before pointing the kubelet at it", async () => {
    const root = copyRoot("k3s");
    const before = snapshot(root);
    const noexec = (argv: readonly string[]) => (argv.at(-1) === "version" ? 126 : 0);
    const args = [...INSTALL, "--restart", "--restart-via", "nsenter"];
    const result = await pullkey("install", root, args, undefined, noexec);
    expect(result.stderr).toContain(
      "pullkey: INTERNAL: /var/lib/rancher/credentialprovider/bin/pullkey does not run on this node (is its folder mounted noexec?); the kubelet's config was left unchanged, and pullkey uninstall takes out what was written\n",
    );
    expect(existsSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"))).toBe(false);
    expect((await pullkey("uninstall", root, [])).status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("restarts the same service after an uninstall", async () => {
    const root = copyRoot("rke2");
    await pullkey("install", root, INSTALL);
    const result = await pullkey("uninstall", root, ["--restart", "--restart-via", "nsenter"]);
    expect(result.status).toBe(0);
    expect(result.commands.map((c) => c.slice(-3))).toEqual([
      ["systemctl", "restart", "rke2-agent"],
    ]);
  });

  it("refuses an unknown --restart-via before writing", async () => {
    const root = copyRoot("k3s");
    const before = snapshot(root);
    const result = await pullkey("install", root, [
      ...INSTALL,
      "--restart",
      "--restart-via",
      "ssh",
    ]);
    expect(result.stderr).toBe(
      "pullkey: USAGE: --restart-via ssh: the one way supported is nsenter\n",
    );
    expect(snapshot(root)).toEqual(before);
  });
});

describe("kubelet config folders (kubelet 1.34+)", () => {
  it("adds its own file next to the others when the flag already names a folder", async () => {
    const root = copyRoot("kubeadm-flags-already-set");
    rmSync(join(root, "/etc/kubernetes/image-credential-provider.yaml"));
    put(root, "/etc/kubernetes/image-credential-provider.yaml/10-gcr.yaml", GCR);
    const result = await pullkey("install", root, INSTALL);
    expect(result.status).toBe(0);
    const added = parse(
      readFileSync(
        join(root, "/etc/kubernetes/image-credential-provider.yaml/pullkey.yaml"),
        "utf8",
      ),
    );
    expect(added.providers.map((p: { name: string }) => p.name)).toEqual(["pullkey"]);
    expect(
      readFileSync(
        join(root, "/etc/kubernetes/image-credential-provider.yaml/10-gcr.yaml"),
        "utf8",
      ),
    ).toBe(GCR);
  });

  it("refuses a name another file of the folder already uses, as the kubelet would", async () => {
    const root = copyRoot("kubeadm-flags-already-set");
    rmSync(join(root, "/etc/kubernetes/image-credential-provider.yaml"));
    put(
      root,
      "/etc/kubernetes/image-credential-provider.yaml/10-gcr.yaml",
      GCR.replace("gcr-credential-provider", "pullkey"),
    );
    const before = snapshot(root);
    const result = await pullkey("install", root, INSTALL);
    expect(result.stderr).toBe(
      'pullkey: CONFIG_INVALID: the kubelet would not start: duplicate provider name "pullkey" found in configuration file(s)\n',
    );
    expect(snapshot(root)).toEqual(before);
  });

  it("asks the host's kubelet for its version and refuses a folder on 1.33", async () => {
    const root = copyRoot("kubeadm");
    const result = await pullkey("install", root, [
      ...INSTALL,
      "--drop-in",
      "--restart-via",
      "nsenter",
    ]);
    expect(result.stderr).toBe(
      "pullkey: USAGE: a config folder needs kubelet 1.34 or newer; this kubelet is 1.33\n",
    );
  });
});

describe("the two kubelet flags", () => {
  it("adds only the missing one when the kubelet already has the other", async () => {
    const root = copyRoot("kubeadm");
    put(
      root,
      "/etc/default/kubelet",
      'KUBELET_EXTRA_ARGS="--image-credential-provider-bin-dir=/opt/cp"\n',
    );
    const result = await pullkey("install", root, INSTALL);
    expect(result.status).toBe(0);
    expect(readFileSync(join(root, "/etc/default/kubelet"), "utf8")).toBe(
      'KUBELET_EXTRA_ARGS="--image-credential-provider-bin-dir=/opt/cp --image-credential-provider-config=/etc/kubernetes/credential-provider-config.yaml"\n',
    );
    expect(statSync(join(root, "/opt/cp/pullkey")).mode & 0o777).toBe(0o755);
  });

  it("fills an empty kubelet config file the flag already names", async () => {
    const root = copyRoot("kubeadm-flags-already-set");
    put(root, "/etc/kubernetes/image-credential-provider.yaml", "");
    const result = await pullkey("install", root, INSTALL);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/etc/kubernetes/image-credential-provider.yaml"), "utf8"),
    );
    expect(config.providers.map((p: { name: string }) => p.name)).toEqual(["pullkey"]);
  });
});

describe("rpm-based kubeadm nodes", () => {
  it("sets the flags in /etc/sysconfig/kubelet, which 10-kubeadm.conf reads, not in a stray /etc/default/kubelet", async () => {
    const root = copyRoot("kubeadm-rpm");
    const stray = readFileSync(join(root, "/etc/default/kubelet"), "utf8");
    const result = await pullkey("install", root, INSTALL);
    expect(result.status).toBe(0);
    expect(readFileSync(join(root, "/etc/sysconfig/kubelet"), "utf8")).toBe(
      'KUBELET_EXTRA_ARGS="--image-credential-provider-config=/etc/kubernetes/credential-provider-config.yaml --image-credential-provider-bin-dir=/usr/local/lib/kubelet/credential-providers"\n',
    );
    expect(readFileSync(join(root, "/etc/default/kubelet"), "utf8")).toBe(stray);
  });
});

describe("configs that read files of their own (Vault, AWS)", () => {
  const VAULT_EXAMPLE = fileURLToPath(
    new URL("../../config/examples/vault-approle.yaml", import.meta.url),
  );

  it("copies each --secret-file into /etc/pullkey, root-only, and never prints it", async () => {
    const root = copyRoot("k3s");
    put(root, "/input/vault-role-id", "role-id-4f2a\n");
    put(root, "/input/vault-secret-id", "secret-id-91bc\n");
    put(root, "/input/vault-ca.pem", "-----BEGIN CERTIFICATE-----\n");
    const args = [
      ...["--executable", FAKE_EXECUTABLE, "--pullkey-config", VAULT_EXAMPLE],
      ...["--secret-file", "input/vault-role-id", "--secret-file", "input/vault-secret-id"],
      ...["--secret-file", "input/vault-ca.pem"],
    ];
    const dry = await pullkey("install", root, [...args, "--dry-run"]);
    const result = await pullkey("install", root, args);
    expect(result.status).toBe(0);
    for (const name of ["vault-role-id", "vault-secret-id", "vault-ca.pem"]) {
      expect(statSync(join(root, "/etc/pullkey", name)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(root, "/etc/pullkey/vault-secret-id"), "utf8")).toBe(
      "secret-id-91bc\n",
    );
    for (const output of [dry.stdout, dry.stderr, result.stdout, result.stderr]) {
      expect(output).not.toContain("secret-id-91bc");
      expect(output).not.toContain("role-id-4f2a");
    }
  });

  it("refuses a config whose files are neither on the node nor given", async () => {
    const root = copyRoot("k3s");
    const result = await pullkey("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      VAULT_EXAMPLE,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^pullkey: CONFIG_INVALID: pullkey's config \/etc\/pullkey\/config.yaml reads \/etc\/pullkey\/vault-/,
    );
  });
});

describe("operator notes", () => {
  it("says on EKS that nodeadm rewrites the config at boot", async () => {
    const root = copyRoot("eks");
    const result = await pullkey("install", root, INSTALL);
    expect(result.stderr).toContain(
      "pullkey: note: nodeadm rewrites /etc/eks/image-credential-provider/config.json at every boot",
    );
  });

  it("copies a JSON pullkey config to /etc/pullkey/config.json and points the entry at it", async () => {
    const root = copyRoot("k3s");
    put(root, "/input/docker.json", readFileSync(DOCKER_CONFIG, "utf8"));
    put(
      root,
      "/input/config.json",
      JSON.stringify({
        apiVersion: "pullkey/v1",
        kind: "PullkeyConfig",
        rules: [
          {
            name: "ghcr",
            match: ["ghcr.io"],
            source: { type: "dockerConfig", path: "/input/docker.json" },
          },
        ],
      }),
    );
    const result = await pullkey("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      "input/config.json",
    ]);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"), "utf8"),
    );
    expect(config.providers[0].matchImages).toEqual(["ghcr.io"]);
    expect(config.providers[0].args).toEqual(["--config", "/etc/pullkey/config.json"]);
  });
});
