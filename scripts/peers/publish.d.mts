export function publishBuild(tmp: string, dir: string, binary: string): void;
export function sweepAbandoned(dir: string): void;
export function pidAlive(pid: number): boolean;
