/** The --help text; kept beside the commands it describes. */
export const HELP = `pullkey: kubelet image credential provider plugin

Usage:
  pullkey [--config FILE]              kubelet plugin mode: CredentialProviderRequest on stdin,
                                       CredentialProviderResponse on stdout
  pullkey get IMAGE [--config FILE] [--api-version v1|v1beta1|v1alpha1] [--show-secrets] [--verbose]
                [--no-cache]           print the response the kubelet would get for IMAGE
                                       (normalised like the kubelet: busybox -> docker.io/library/busybox;
                                       --verbose: which rule and pattern, why this cacheKeyType, timings;
                                       --no-cache: read the source, not the node-local cache)
  pullkey cache list [--config FILE]   the node-local cache: rule, registry, age, freshness left
  pullkey cache clear [--rule NAME] [--config FILE]
                                       remove cached credentials (all, or one rule's)
  pullkey validate [--config FILE]     check the config and the files it names
  pullkey install --executable FILE (--pullkey-config FILE | --docker-config FILE) [--dry-run]
                                       put pullkey on this node and into the kubelet's config
                                       (pullkey install --help for every option)
  pullkey uninstall [--root DIR] [--dry-run] [--restart]
                                       remove exactly what install added
  pullkey doctor [IMAGE] [--config FILE] [--json] [--root DIR] [--name NAME]
                                       check the kubelet side, the config, the source and that
                                       the registry accepts the credentials (doctor --help)
  pullkey version                      print the version
  pullkey --help                       this text

Config: --config FILE, else $PULLKEY_CONFIG, else /etc/pullkey/config.yaml (YAML or JSON).
In plugin mode the path must be absolute. Exit status: 0 ok, 1 failure, 2 usage error.
`;
