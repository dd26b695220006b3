import type { UnitSource } from "./systemd.js";

/**
 * The kubelet units the distributions' packages install, used in place of a unit that is not on
 * the node (a copied tree, an image layer) and marked `assumed` in every origin, so a message
 * never presents a guess as a file that was read.
 */

export const KUBEADM_FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env";
export const DEB_DEFAULTS = "/etc/default/kubelet";
export const RPM_SYSCONFIG = "/etc/sysconfig/kubelet";
export const EKS_ENV = "/etc/eks/kubelet/environment";
export const KUBEADM_DROP_IN = "10-kubeadm.conf";

/** kubernetes/release's kubelet.service (deb and rpm alike). */
export const PACKAGED_KUBELET_SERVICE: UnitSource = {
  path: "/usr/lib/systemd/system/kubelet.service",
  assumed: true,
  text: `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`,
};

/**
 * kubeadm's 10-kubeadm.conf: the deb package reads /etc/default/kubelet, the rpm package
 * /etc/sysconfig/kubelet; both put $KUBELET_EXTRA_ARGS last, so it wins.
 */
export function kubeadmDropIn(packaging: "deb" | "rpm"): UnitSource {
  const extra = packaging === "deb" ? DEB_DEFAULTS : RPM_SYSCONFIG;
  return {
    path: `/usr/lib/systemd/system/kubelet.service.d/${KUBEADM_DROP_IN}`,
    assumed: true,
    text: `[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-${KUBEADM_FLAGS_ENV}
EnvironmentFile=-${extra}
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`,
  };
}

/** EKS AL2023's kubelet.service: nodeadm writes NODEADM_KUBELET_ARGS to /etc/eks/kubelet/environment. */
export const EKS_KUBELET_SERVICE: UnitSource = {
  path: "/etc/systemd/system/kubelet.service",
  assumed: true,
  text: `[Unit]
Description=Kubernetes Kubelet
After=containerd.service
Requires=containerd.service

[Service]
Slice=runtime.slice
EnvironmentFile=${EKS_ENV}
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet \\
    --config /etc/kubernetes/kubelet/config.json \\
    --kubeconfig /var/lib/kubelet/kubeconfig \\
    --container-runtime-endpoint unix:///run/containerd/containerd.sock \\
    $NODEADM_KUBELET_ARGS \\
    $KUBELET_EXTRA_ARGS
Restart=on-failure

[Install]
WantedBy=multi-user.target
`,
};
