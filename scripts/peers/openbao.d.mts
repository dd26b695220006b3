export const OPENBAO_VERSION: string;
export function openBaoBinaryPath(version?: string): string;
export function ensureOpenBao(options?: { version?: string }): Promise<string>;
