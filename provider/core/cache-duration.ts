/**
 * How long the kubelet may cache an answer. The configured duration, but never beyond half of
 * the credential's remaining life: like the ECR plugin, halving leaves room for clock skew and
 * for the delay between our answer and the pull. An expired credential gets 0, which the kubelet
 * takes as "do not cache" (pkg/credentialprovider/plugin/plugin.go, provide).
 */
export function cacheDurationFor(
  configuredMs: number,
  expiresAt: Date | undefined,
  now: Date,
): number {
  if (expiresAt === undefined) return configuredMs;
  const remaining = expiresAt.getTime() - now.getTime();
  if (remaining <= 0) return 0;
  return Math.min(configuredMs, Math.floor(remaining / 2000) * 1000);
}
