export const REGISTRY_BIN: string;
export function ensureRegistry(options?: { log?: (line: string) => void }): Promise<string>;
