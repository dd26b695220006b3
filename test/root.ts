/**
 * Some tests give a file to another user or run pullkey as another uid, which only root may do.
 * CI runs as root; elsewhere those tests are skipped with this reason, never passed vacuously.
 */
export const AS_ROOT = process.getuid?.() === 0;

/** Why a root-only test is skipped here. */
export const NEEDS_ROOT =
  "needs root: it gives a file to another user or runs pullkey as another uid";
