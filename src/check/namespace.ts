/**
 * The namespace (namespace.ts): a used entry binds a path of 1 to
 * maxPathBytes bytes that starts with `/` and has no trailing `/` (but
 * `/` itself) to a live port that is not destroyed (destroying a port
 * removes its names), at the port's generation; the binder is a task not
 * yet reaped (a task's bindings go with it); no path is bound twice; the
 * header's count of bindings matches.
 *
 * Namespace policies (objects/namespace/policy.ts): a record is unrestricted (0,
 * every entry free) or confined (1); a task slot that is free or reaped
 * has none; a used entry has kinds within bind | connect and a prefix of 1
 * to maxPathBytes bytes that starts with `/` and has no trailing `/` (but
 * `/` itself), and no prefix appears in two entries of one record.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

const SLASH = 0x2f;

export const namespaceSection: CheckSection = {
  name: 'namespace',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const paths = new Map<string, number>();
    let used = 0;
    for (let i = 0; i < r.namespaceEntries; i++) {
      const n = r.binding(i);
      const inUse = w[n + L.N_USED]!;
      if (inUse === 0) continue;
      const name = `namespace entry ${i}`;
      if (inUse !== 1) ctx.report(`${name}: used flag ${inUse} is neither 0 nor 1`);
      used++;
      const length = w[n + L.N_LENGTH]!;
      if (!(length >= 1 && length <= r.maxPathBytes)) {
        ctx.report(`${name}: path length ${length} is outside 1..${r.maxPathBytes}`);
      } else {
        const at = (n + L.N_PATH) * 4;
        const bytes = r.bytes.subarray(at, at + length);
        const path = Buffer.from(bytes).toString('latin1');
        if (bytes[0] !== SLASH) ctx.report(`${name}: path ${JSON.stringify(path)} does not start with /`);
        if (length > 1 && bytes[length - 1] === SLASH) ctx.report(`${name}: path ${JSON.stringify(path)} ends with /`);
        const twin = paths.get(path);
        if (twin !== undefined) ctx.report(`${name}: path ${JSON.stringify(path)} is also bound by namespace entry ${twin}`);
        else paths.set(path, i);
      }
      const slot = w[n + L.N_OBJECT]! - 1;
      const o = r.object(slot);
      if (!ctx.isLiveObject(slot) || w[o + L.O_TYPE] !== L.OBJ_PORT) ctx.report(`${name}: binds object ${slot}, which is no live port`);
      else if (w[o + L.O_GEN] !== w[n + L.N_OBJECT_GEN]) ctx.report(`${name}: binds ${ctx.objectName(slot)} at generation ${w[n + L.N_OBJECT_GEN]}, but it is at ${w[o + L.O_GEN]} (stale)`);
      else if (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) ctx.report(`${name}: binds ${ctx.objectName(slot)}, which is destroyed`);
      if (ctx.unreapedSlotOf(w[n + L.N_BINDER]!) < 0) ctx.report(`${name}: its binder pid ${w[n + L.N_BINDER]} is no task (its names should have gone with it)`);
    }
    const counted = w[L.H_BINDINGS_USED]!;
    if (counted !== used) ctx.report(`header: ${counted} bindings counted but ${used} namespace entries are used`);
  },
};

export const namespacePoliciesSection: CheckSection = {
  name: 'namespace policies',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const entryWords = L.policyEntryWords(r.maxPathBytes);
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const p = r.namespacePolicy(slot);
      const confined = w[p + L.NP_CONFINED]!;
      const name = `namespace policy of ${ctx.taskName(slot)}`;
      if (confined !== 0 && confined !== 1) ctx.report(`${name}: confined flag ${confined} is neither 0 nor 1`);
      const state = w[r.task(slot) + L.T_STATE];
      if (confined !== 0 && (state === L.TASK_FREE || state === L.TASK_EXITED)) ctx.report(`${name}: the slot is ${state === L.TASK_FREE ? 'free' : 'reaped'} but still confined (reaping clears the policy)`);
      const prefixes = new Map<string, number>();
      for (let i = 0; i < L.NAMESPACE_POLICY_ENTRIES; i++) {
        const e = p + L.NP_ENTRIES + i * entryWords;
        const kinds = w[e + L.NPE_KINDS]!;
        if (kinds === 0) continue;
        const entry = `${name}, entry ${i}`;
        if (confined === 0) ctx.report(`${entry}: used, but the task is unrestricted`);
        if ((kinds & ~(L.POLICY_BIND | L.POLICY_CONNECT)) !== 0) ctx.report(`${entry}: kinds ${kinds} hold bits other than bind (1) and connect (2)`);
        const length = w[e + L.NPE_LENGTH]!;
        if (!(length >= 1 && length <= r.maxPathBytes)) {
          ctx.report(`${entry}: prefix length ${length} is outside 1..${r.maxPathBytes}`);
          continue;
        }
        const at = (e + L.NPE_PATH) * 4;
        const bytes = r.bytes.subarray(at, at + length);
        const prefix = Buffer.from(bytes).toString('latin1');
        if (bytes[0] !== SLASH) ctx.report(`${entry}: prefix ${JSON.stringify(prefix)} does not start with /`);
        if (length > 1 && bytes[length - 1] === SLASH) ctx.report(`${entry}: prefix ${JSON.stringify(prefix)} ends with /`);
        const twin = prefixes.get(prefix);
        if (twin !== undefined) ctx.report(`${entry}: prefix ${JSON.stringify(prefix)} is also entry ${twin}`);
        else prefixes.set(prefix, i);
      }
    }
  },
};
