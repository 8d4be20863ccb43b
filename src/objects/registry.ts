/**
 * Every object type, registered once. Adding a type means a folder under
 * src/objects/ with a `type.ts` describing it (src/objects/object-type.ts
 * lists what it must provide) and one line here. Importing this module
 * registers the types with the object table, so every thread that can
 * destroy an object (tasks and the supervisor) imports it.
 */
import * as L from '../core/layout.js';
import { registerObjectKind } from '../core/object-table.js';
import type { ObjectType } from './object-type.js';
import { portType } from './port/type.js';
import { channelType } from './channel/type.js';
import { ringType } from './ring/type.js';
import { semaphoreType } from './semaphore/type.js';
import { mailboxType } from './mailbox/type.js';
import { bufferType } from './buffer/type.js';

/** The object types, in the order the checker and the snapshot list them. */
export const OBJECT_TYPES: readonly ObjectType[] = [portType, channelType, ringType, semaphoreType, mailboxType, bufferType];

const byNumber: (ObjectType | undefined)[] = [];
for (const type of OBJECT_TYPES) {
  byNumber[type.type] = type;
  registerObjectKind(type);
}

/** The type whose number (L.OBJ_*) is `type`, or undefined for a free slot or an unknown number. */
export function objectTypeOf(type: number): ObjectType | undefined {
  return type === L.OBJ_FREE ? undefined : byNumber[type];
}
