/**
 * The namespace (src/objects/namespace/namespace.ts; docs/namespace.md):
 * one table of H_NAMESPACE_ENTRIES records of
 * namespaceEntryWords(H_MAX_PATH_BYTES) words (from H_OFF_NAMESPACE), each
 * a path bound to a port: the binding, then the path bytes.
 *
 * Bindings are made and removed under the kernel lock, through the undo
 * log (bind, unbind, the destruction of the port, the death of the task
 * that bound it); connect looks them up under it too. The number of
 * bindings is H_BINDINGS_USED.
 */

export const N_USED = 0;
export const N_OBJECT = 1;
export const N_OBJECT_GEN = 2;
export const N_BINDER = 3;
export const N_LENGTH = 4;
export const N_PATH = 5;

/** Words of one namespace entry: the binding, then a path of up to `maxPathBytes` bytes. */
export function namespaceEntryWords(maxPathBytes: number): number {
  return N_PATH + Math.ceil(maxPathBytes / 4);
}
