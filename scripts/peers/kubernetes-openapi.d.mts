export function ensureKubernetesOpenApi(options?: { version?: string }): Promise<string>;
