/**
 * Page IPC (page-space.ts, objects/page-ipc.ts): every task's page space is
 * well formed (each mapped page names the head of a run that covers it, the
 * mapped bitmap and T_PAGES_MAPPED agree, tags name deliveries the task has
 * taken and not decided), delivery records are on exactly one list (free,
 * or their receiver's pending list, or taken), each sender's in-flight
 * charge is what its records carry, and each frame's holder count is the
 * pages mapping it plus the pending deliveries holding it. Frames with
 * holders are claimed from the page pool (and must be marked in use there).
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';
import { bitHas } from './context.js';
import { deliveryTag } from '../objects/page-ipc/page-ipc.js';
import { frameOf, mappedBitmap, runFramesWord, runLengthsWord, runTagsWord } from '../core/page-space.js';

export const pageIpcSection: CheckSection = {
  name: 'page IPC',
  run(ctx: CheckContext): void {
    const holders = new Int32Array(ctx.r.pageCount);
    const taken = checkDeliveries(ctx, holders);
    for (let slot = 0; slot < ctx.r.maxTasks; slot++) checkPageSpace(ctx, slot, holders, taken);
    checkFrames(ctx, holders);
  },
};

/** What a delivery tag (PS_RUN_TAGS) names: the receiver pid of each taken delivery, by tag. */
type TakenByTag = Map<number, number>;

function recordName(index: number): string {
  return `delivery record ${index}`;
}

/**
 * Walks the free list and the delivery records; counts the holds of
 * pending deliveries into `holders`. Returns the taken deliveries' tags.
 */
function checkDeliveries(ctx: CheckContext, holders: Int32Array): TakenByTag {
  const { r, w } = ctx;
  const onFreeList = new Uint8Array(r.deliveryCount);
  let link = w[L.H_DELIVERY_FREE]!;
  for (let steps = 0; link !== 0; steps++) {
    const index = link - 1;
    if (index < 0 || index >= r.deliveryCount || steps >= r.deliveryCount || onFreeList[index]) {
      ctx.report(`delivery free list: link ${link} is out of range or makes a cycle`);
      break;
    }
    onFreeList[index] = 1;
    if (w[r.delivery(index) + L.D_STATE] !== L.DELIVERY_FREE) ctx.report(`${recordName(index)}: on the free list but not free`);
    link = w[r.delivery(index) + L.D_NEXT]!;
  }
  const taken: TakenByTag = new Map();
  const inFlight = new Map<number, number>();
  let used = 0;
  for (let index = 0; index < r.deliveryCount; index++) {
    const d = r.delivery(index);
    const state = w[d + L.D_STATE]!;
    if (state === L.DELIVERY_FREE) {
      if (!onFreeList[index]) ctx.report(`${recordName(index)}: free but not on the free list (lost)`);
      continue;
    }
    used++;
    if (state !== L.DELIVERY_PENDING && state !== L.DELIVERY_TAKEN) {
      ctx.report(`${recordName(index)}: state ${state} is not a delivery state`);
      continue;
    }
    const npages = w[d + L.D_NPAGES]!;
    const runs = w[d + L.D_RUNS]!;
    if (npages < 1 || npages > L.MAX_SEND_PAGES || runs < 1 || runs > npages) {
      ctx.report(`${recordName(index)}: ${npages} pages in ${runs} runs`);
      continue;
    }
    inFlight.set(w[d + L.D_SENDER]!, (inFlight.get(w[d + L.D_SENDER]!) ?? 0) + npages);
    let listed = 0;
    for (let i = 0; i < runs; i++) {
      const first = frameOf(w[d + L.D_RUN_LIST + 2 * i]!);
      const pages = w[d + L.D_RUN_LIST + 2 * i + 1]!;
      listed += pages;
      if (first < 0 || pages < 1 || first + pages > r.pageCount) {
        ctx.report(`${recordName(index)}: run ${i} (frames ${first}..${first + pages - 1}) is outside the pool`);
        continue;
      }
      if (state === L.DELIVERY_PENDING) for (let f = first; f < first + pages; f++) holders[f]!++;
    }
    if (listed !== npages) ctx.report(`${recordName(index)}: its runs hold ${listed} pages, not its ${npages}`);
    const receiver = ctx.unreapedSlotOf(w[d + L.D_RECEIVER]!);
    if (receiver < 0) ctx.report(`${recordName(index)}: its receiver pid ${w[d + L.D_RECEIVER]} is gone but the record is not free`);
    if (state === L.DELIVERY_TAKEN) taken.set(deliveryTag(index, w[d + L.D_SEQ]!), w[d + L.D_RECEIVER]!);
  }
  if (w[L.H_DELIVERIES_USED] !== used) ctx.report(`header: ${w[L.H_DELIVERIES_USED]} deliveries counted in use but ${used} records are`);
  for (let slot = 0; slot < r.maxTasks; slot++) {
    if (!ctx.isAlive(slot)) continue;
    const t = r.task(slot);
    const charged = w[t + L.T_PAGES_IN_FLIGHT]!;
    const carried = inFlight.get(w[t + L.T_PID]!) ?? 0;
    if (charged !== carried) ctx.report(`${ctx.taskName(slot)}: ${charged} pages charged in flight but its deliveries carry ${carried}`);
  }
  checkPendingLists(ctx);
  return taken;
}

/** Each task's pending list holds exactly the pending records sent to it, T_PAGES_PENDING of them, ending at T_PENDING_LAST. */
function checkPendingLists(ctx: CheckContext): void {
  const { r, w } = ctx;
  const listedIn = new Int32Array(r.deliveryCount).fill(-1);
  for (let slot = 0; slot < r.maxTasks; slot++) {
    const t = r.task(slot);
    let link = w[t + L.T_PENDING_FIRST]!;
    let last = 0;
    let count = 0;
    while (link !== 0) {
      const index = link - 1;
      if (index < 0 || index >= r.deliveryCount || listedIn[index] !== -1) {
        ctx.report(`${ctx.taskName(slot)}: pending list link ${link} is out of range, a cycle, or on another list`);
        break;
      }
      listedIn[index] = slot;
      const d = r.delivery(index);
      if (w[d + L.D_STATE] !== L.DELIVERY_PENDING) ctx.report(`${ctx.taskName(slot)}: ${recordName(index)} is on its pending list but not pending`);
      if (w[d + L.D_RECEIVER] !== w[t + L.T_PID]) ctx.report(`${ctx.taskName(slot)}: ${recordName(index)} is on its pending list but sent to pid ${w[d + L.D_RECEIVER]}`);
      last = link;
      count++;
      link = w[d + L.D_NEXT]!;
    }
    if (w[t + L.T_PENDING_LAST] !== last) ctx.report(`${ctx.taskName(slot)}: pending list ends at link ${last} but T_PENDING_LAST says ${w[t + L.T_PENDING_LAST]}`);
    if (w[t + L.T_PAGES_PENDING] !== count) ctx.report(`${ctx.taskName(slot)}: ${w[t + L.T_PAGES_PENDING]} deliveries counted pending but ${count} are listed`);
  }
  for (let index = 0; index < r.deliveryCount; index++) {
    if (w[r.delivery(index) + L.D_STATE] === L.DELIVERY_PENDING && listedIn[index] === -1) ctx.report(`${recordName(index)}: pending but on no task's pending list`);
  }
}

/** Task `slot`'s page space: runs, bitmap, count, tags; counts its mapped pages into `holders`. */
function checkPageSpace(ctx: CheckContext, slot: number, holders: Int32Array, taken: TakenByTag): void {
  const { r, w } = ctx;
  const size = r.pageSpace;
  const ps = r.pageSpaceOf(slot);
  const frames = runFramesWord(r, ps);
  const lengths = runLengthsWord(r, ps);
  const tags = runTagsWord(r, ps);
  const bitmap = mappedBitmap(r, ps);
  const name = ctx.taskName(slot);
  const pid = w[r.task(slot) + L.T_PID]!;
  let mapped = 0;
  for (let vpn = 0; vpn < size; vpn++) {
    const head = w[ps + vpn]! - 1;
    if (bitHas(w, bitmap, vpn) !== head >= 0) ctx.report(`${name}: page ${vpn} is ${head >= 0 ? '' : 'not '}mapped but its bitmap bit says otherwise`);
    if (head < 0) continue;
    mapped++;
    const length = w[lengths + head]!;
    if (head > vpn || w[ps + head] !== head + 1 || length < 1 || vpn >= head + length) {
      ctx.report(`${name}: page ${vpn} names head ${head}, which is not the head of a run covering it`);
      continue;
    }
    if (vpn === head && head + length > size) ctx.report(`${name}: the run at page ${head} is ${length} pages long, past the end of the space`);
    if (vpn > head && w[ps + vpn - 1] !== head + 1) ctx.report(`${name}: page ${vpn} names head ${head} but the page before it does not`);
    if (vpn + 1 < head + length && w[ps + vpn + 1] !== head + 1) ctx.report(`${name}: the run at page ${head} is ${length} pages long but page ${vpn + 1} is not in it`);
    const word = w[frames + head]!;
    const frame = frameOf(word) + (vpn - head);
    if ((word & ~(L.PAGE_ENTRY_FRAME_MASK | L.PAGE_READ | L.PAGE_WRITE)) !== 0 || (word & L.PAGE_READ) === 0) {
      ctx.report(`${name}: the run at page ${head} has rights bits ${(word >>> 24).toString(2)}`);
    }
    if (frame < 0 || frame >= r.pageCount) ctx.report(`${name}: page ${vpn} maps frame ${frame}, outside the pool`);
    else holders[frame]!++;
    const tag = w[tags + head]!;
    if (vpn === head && tag !== 0 && taken.get(tag) !== pid) ctx.report(`${name}: the run at page ${head} is tagged ${tag}, not a delivery this task has taken`);
  }
  const counted = w[r.task(slot) + L.T_PAGES_MAPPED]!;
  if (counted !== mapped) ctx.report(`${name}: ${counted} pages counted mapped but ${mapped} are`);
  if (mapped > 0 && !ctx.isAlive(slot) && w[r.task(slot) + L.T_STATE] !== L.TASK_DYING) ctx.report(`${name}: reaped but still maps ${mapped} pages`);
}

/** Each frame's holder count equals its holders; frames with holders are claimed from the pool. */
function checkFrames(ctx: CheckContext, holders: Int32Array): void {
  const { r, w } = ctx;
  let runStart = -1;
  for (let f = 0; f <= r.pageCount; f++) {
    const refs = f < r.pageCount ? w[r.frameRefs + f]! : 0;
    if (f < r.pageCount && refs !== holders[f]) ctx.report(`frame ${f}: ${refs} holders counted but ${holders[f]} hold it`);
    if (refs > 0 && runStart < 0) runStart = f;
    if (refs <= 0 && runStart >= 0) {
      ctx.claimPages(runStart, f - runStart, `page IPC frames ${runStart}..${f - 1}`);
      runStart = -1;
    }
  }
}
