import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_CONFIG, ECR_ONLY, FAKE_EXECUTABLE, INSTALL, put } from "./harness.js";

/** Installs that must stop before writing anything: one stderr line, exact, and an exit status. */

export interface Refusal {
  name: string;
  root: string;
  setup?: (root: string) => void;
  args: string[];
  status: number;
  /** The one stderr line, exactly. */
  error: string;
}

export const REFUSALS: Refusal[] = [
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
      "pullkey: CONFIG_INVALID: the kubelet would not start: /etc/kubernetes/credential-provider-config.yaml: providers[0].tokenAttributes: needs the provider's apiVersion to be credentialprovider.kubelet.k8s.io/v1",
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
      "pullkey: CONFIG_INVALID: the kubelet would not start: /etc/kubernetes/image-credential-provider.yaml: providers[1].tokenAttributes: unknown field (tokenAttributes needs a kubelet.config.k8s.io/v1 config and kubelet 1.33+)",
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
      "pullkey: CONFIG_INVALID: the kubelet would not start: /var/lib/rancher/credentialprovider/config.yaml: providers[0].defaultCacheDuration: required",
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
    name: "a kubelet config the kubelet's parser refuses (an empty list element)",
    root: "eks",
    setup: (root) =>
      put(
        root,
        "/etc/eks/image-credential-provider/config.json",
        '{"apiVersion":"kubelet.config.k8s.io/v1","kind":"CredentialProviderConfig",\n"providers":[,]}\n',
      ),
    args: INSTALL,
    status: 1,
    error:
      "pullkey: CONFIG_INVALID: /etc/eks/image-credential-provider/config.json is not valid YAML or JSON (line 2, column 14: Unexpected , in flow sequence), so the kubelet refuses it as it is; fix it, then run install again",
  },
  {
    name: "an --env whose name says it holds a secret",
    root: "kubeadm",
    args: [...INSTALL, "--env", "VAULT_TOKEN=hvs.not-a-real-token"],
    status: 2,
    error:
      "pullkey: USAGE: --env VAULT_TOKEN=…: the kubelet's CredentialProviderConfig is world-readable, so a secret must not go there; put it in a file (--secret-file FILE copies it to /etc/pullkey/<name>, mode 0600) and point pullkey's config at that file",
  },
  {
    name: "a hand-written pullkey config, without --force",
    root: "kubeadm",
    setup: (root) => put(root, "/etc/pullkey/config.yaml", "# mine\n"),
    args: INSTALL,
    status: 2,
    error:
      "pullkey: USAGE: /etc/pullkey/config.yaml exists and was not written by this installer; pass --force to replace it (a backup is kept), or leave out the option that writes it to keep it",
  },
  {
    name: "--drop-in on a tree whose kubelet version is unknown",
    root: "kubeadm",
    args: [...INSTALL, "--drop-in"],
    status: 2,
    error:
      "pullkey: USAGE: --drop-in makes the kubelet read a config folder, which needs kubelet 1.34 or newer, and the kubelet's version is unknown here (--root, or no kubelet --version): pass --kubelet-version 1.N",
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
