import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  copyRoot,
  ECR_ONLY,
  GCR,
  INSTALL,
  pullkey,
  put,
  removeRoots,
  snapshot,
} from "./harness.js";

afterAll(removeRoots);

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

  it("puts back the entry --force replaced on uninstall, only while its own is unchanged", async () => {
    const path = "/var/lib/rancher/credentialprovider/config.yaml";
    const foreign = ECR_ONLY.replace("ecr-credential-provider", "pullkey");
    const entries = (root: string) => parse(readFileSync(join(root, path), "utf8")).providers;

    const untouched = copyRoot("rke2");
    put(untouched, path, foreign);
    expect((await pullkey("install", untouched, [...INSTALL, "--force"])).status).toBe(0);
    expect((await pullkey("uninstall", untouched, [])).status).toBe(0);
    expect(entries(untouched)).toEqual(parse(foreign).providers);

    const edited = copyRoot("rke2");
    put(edited, path, foreign);
    expect((await pullkey("install", edited, [...INSTALL, "--force"])).status).toBe(0);
    writeFileSync(
      join(edited, path),
      readFileSync(join(edited, path), "utf8").replace("10m", "20m"),
    );
    const removed = await pullkey("uninstall", edited, []);
    expect(removed.status).toBe(0);
    expect(removed.stderr).toContain(
      `${path}: provider pullkey changed since the install, so the entry it replaced is not put back; it is left as it is`,
    );
    expect(entries(edited)[0].defaultCacheDuration).toBe("20m");
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
      'pullkey: CONFIG_INVALID: the kubelet would not start: /etc/kubernetes/image-credential-provider.yaml/pullkey.yaml: providers[0].name: "pullkey" is already the name of a provider in /etc/kubernetes/image-credential-provider.yaml/10-gcr.yaml\n',
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
