/**
 * One word of the kubelet's command line and the place that put it there, so an installer can
 * edit the file that takes effect and a doctor can say which file set a flag.
 */

/** Where a word comes from: a file and line, and the variable or config key that carried it. */
export interface Origin {
  file: string;
  line: number;
  /** The environment variable the word was expanded from (`KUBELET_EXTRA_ARGS`). */
  variable?: string;
  /** The k3s/RKE2 config key (`kubelet-arg`, `image-credential-provider-config`). */
  key?: string;
  /** The file is not on the node: a packaged default assumed in its place. */
  assumed?: boolean;
  /** Not a file at all: a distribution default (k3s's credential provider paths). */
  builtIn?: boolean;
}

export interface Arg {
  value: string;
  origin: Origin;
}

/** A flag's value and the word(s) that set it. */
export interface FlagValue {
  value: string;
  origin: Origin;
}

export const CONFIG_FLAG = "--image-credential-provider-config";
export const BIN_DIR_FLAG = "--image-credential-provider-bin-dir";

/**
 * The value the kubelet sees for a string flag: `--flag=value` or `--flag value`, the last
 * occurrence winning (pflag), arguments after a lone `--` ignored. argv[0] is skipped.
 */
export function flagValue(args: readonly Arg[], flag: string): FlagValue | undefined {
  let found: FlagValue | undefined;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (arg === undefined || arg.value === "--") break;
    if (arg.value === flag && args[i + 1] !== undefined) {
      const next = args[++i];
      if (next) found = { value: next.value, origin: arg.origin };
    } else if (arg.value.startsWith(`${flag}=`)) {
      found = { value: arg.value.slice(flag.length + 1), origin: arg.origin };
    }
  }
  return found;
}

/** `file:line` (and the variable or key), for messages. */
export function describeOrigin(origin: Origin): string {
  if (origin.builtIn) return origin.file;
  const where = `${origin.file}:${origin.line}${origin.assumed ? " (assumed: not on the node)" : ""}`;
  if (origin.variable) return `${origin.variable} in ${where}`;
  if (origin.key) return `${origin.key} in ${where}`;
  return where;
}
