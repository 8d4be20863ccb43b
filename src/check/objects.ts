/**
 * Each live object's own invariants, as its type states them (the `check`
 * of its entry in src/objects/registry.ts): types in registry order, the
 * objects of a type by slot. Paged objects claim their pool pages here, for
 * the page pool section after.
 */
import { OBJECT_TYPES } from '../objects/registry.js';
import type { CheckContext, CheckSection } from './context.js';

export const objectsSection: CheckSection = {
  name: 'objects',
  run(ctx: CheckContext): void {
    for (const type of OBJECT_TYPES) {
      if (!type.check) continue;
      for (const slot of ctx.objectsOfType(type.type)) type.check(ctx, slot);
    }
  },
};
