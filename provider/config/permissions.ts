/** A file pullkey reads, with its permission bits. */
export interface FileMode {
  path: string;
  /** What the file is, for the message: "config", "password file", ... */
  what: string;
  /** Whether it holds a secret (then it must not be readable by others either). */
  secret: boolean;
  mode: number;
}

/**
 * Warnings for files whose permissions undo pullkey's guarantees: anyone who can write the
 * config or a secret file decides which credentials the kubelet gets, and anyone who can read a
 * secret file has the credential.
 */
export function permissionWarnings(files: readonly FileMode[]): string[] {
  const warnings: string[] = [];
  for (const file of files) {
    const octal = `0${(file.mode & 0o777).toString(8)}`;
    if ((file.mode & 0o022) !== 0) {
      warnings.push(
        `${file.what} ${file.path} is writable by group or others (mode ${octal}); whoever can write it decides which credentials the kubelet gets: chmod go-w`,
      );
    } else if (file.secret && (file.mode & 0o044) !== 0) {
      warnings.push(
        `${file.what} ${file.path} is readable by group or others (mode ${octal}); it holds a credential: chmod 0600`,
      );
    }
  }
  return warnings;
}
