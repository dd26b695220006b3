/** A pinned Kubernetes release of the harness: its module file and go.sum twin. */
export interface HarnessRelease {
  kubernetes: string;
  modfile: string;
  sumfile: string;
}

export interface HarnessRun {
  status: number | null;
  output: string;
}

export const HARNESS_DIR: string;
export const PEER_CACHE_ENV: string;
export function peerCacheRoot(): string;
export function harnessReleases(): HarnessRelease[];
export function harnessScenarios(options?: { file?: string }): string[];
export function ensureHarness(
  release: HarnessRelease,
  options?: { log?: (line: string) => void },
): Promise<string>;
export function runHarness(
  binary: string,
  options: {
    pullkeyBin: string;
    registryBin?: string;
    matchTable?: string;
    /** JSON for PULLKEY_CONFORMANCE_AWS (test/conformance/aws-fixture.ts). */
    aws?: string;
    /** JSON for PULLKEY_CONFORMANCE_VAULT (test/conformance/vault-fixture.ts). */
    vault?: string;
    run?: string;
  },
): Promise<HarnessRun>;
export function listHarness(binary: string): Promise<string[]>;
