/** A running moto_server on loopback. */
export interface Moto {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  /** Drops every AWS resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** moto checks signatures and IAM policies after `freeActions` more requests; Infinity: never. */
  enforceAuth(freeActions: number): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_VERSION: string;
export function ensureMoto(): Promise<[string, string[]]>;
export function startMoto(): Promise<Moto>;
