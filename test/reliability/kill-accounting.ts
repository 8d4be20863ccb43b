/**
 * Exactly-once accounting of a kill run: walks every message id the
 * ledger handed out and classifies it by what its sender saw (ok, failed,
 * or still attempting when the sender was killed) and how many times it
 * was received.
 *
 * The claims, each exactly what the kernel promises:
 * - No message is received twice, and none arrives corrupt, from the wrong
 *   sender, or as an answer to another call (counted by the receivers).
 * - A one-way message whose send failed was not delivered (a call that
 *   failed may have reached its server: it died or the caller timed out
 *   after the server took it).
 * - A message whose send succeeded was received, unless its receiver died
 *   with it: a port's messages when that port's owner was killed (at most
 *   its capacity queued + 1 in hand), a mailbox's when its pid was killed
 *   (at most 10 + 1), a page delivery's when its receiving pid was killed,
 *   and for the shared channel and ring at most what killed receivers
 *   could have had in hand (S.inHand at the kill). A call that succeeded
 *   was always received: the server records a call before it answers.
 * - Messages whose sender was killed mid-send may be delivered or not.
 * - Semaphore tokens are conserved within the posts and acquires that
 *   killed tasks left uncertain.
 */
import { MAILBOX_CAPACITY } from '../../src/index.js';
import { G, PROBLEM, type Role } from './fixtures/kill-layout.js';
import { BLOCK_MESSAGES, KINDS, STATUS, type Kind, type Ledger } from './fixtures/kill-ledger.js';

/** What kills excuse, gathered by the supervisor as it kills. */
export interface Excuses {
  /** Object ids of ports whose owner was killed (-> its pid). */
  killedPorts: Map<number, number>;
  /** Pids of mailbox owners that were killed. */
  killedMailboxes: Map<number, number>;
  /** Pids of page receivers that were killed. */
  killedPageReceivers: Set<number>;
  /** Messages killed channel receivers (ring readers) may have had in hand, summed. */
  channelInHand: number;
  ringInHand: number;
  /** Semaphore posts (acquires) that killed tasks may or may not have made. */
  postsUncertain: number;
  acquiresUncertain: number;
}

export interface KindTally {
  kind: Kind;
  /** Ids handed out. */
  messages: number;
  /** Sends that returned success. */
  sent: number;
  /** Sends that returned an error (EPIPE, ESRCH, ENOENT, EAGAIN, a timeout...). */
  errors: number;
  /** Sends whose sender was killed before they returned. */
  killedMidSend: number;
  /** Received at least once. */
  delivered: number;
  /** Of those killed mid-send: how many were delivered. */
  killedMidSendDelivered: number;
  /** Sent successfully, not received, and excused by the death of their receiver. */
  lostWithReceiver: number;
  /** Sent successfully, not received, not excused. Must be 0. */
  lost: number;
  /** Received more than once. Must be 0. */
  duplicated: number;
  /** Failed but received: must be 0 except for calls. */
  failedButDelivered: number;
}

export interface Accounting {
  kinds: KindTally[];
  semaphore: { posted: number; acquired: number; left: number; postsUncertain: number; acquiresUncertain: number };
  corrupt: number;
  wrongSender: number;
  wrongReply: number;
  repliesToGoneCallers: number;
  ledgerFull: boolean;
  violations: string[];
}

export function noExcuses(): Excuses {
  return { killedPorts: new Map(), killedMailboxes: new Map(), killedPageReceivers: new Set(), channelInHand: 0, ringInHand: 0, postsUncertain: 0, acquiresUncertain: 0 };
}

/**
 * Notes what the kill of `pid`, a task of `role`, excuses: the port it
 * owned (`portId`, 0 if none yet), its mailbox, its pending pages, or the
 * `inHand` messages (posts, acquires) it may have taken with it.
 */
export function excuseKill(excuses: Excuses, role: Role, pid: number, portId: number, inHand: number): void {
  switch (role) {
    case 'port-receiver':
      if (portId !== 0) excuses.killedPorts.set(portId, pid);
      break;
    case 'mail-receiver':
      excuses.killedMailboxes.set(pid, pid);
      break;
    case 'page-receiver':
      excuses.killedPageReceivers.add(pid);
      break;
    case 'channel-receiver':
      excuses.channelInHand += inHand;
      break;
    case 'ring-reader':
      excuses.ringInHand += inHand;
      break;
    case 'sem-poster':
      excuses.postsUncertain += inHand;
      break;
    case 'sem-waiter':
      excuses.acquiresUncertain += inHand;
      break;
    default:
      break; // a producer's death excuses nothing: what it sent must still arrive
  }
}

function emptyTally(kind: Kind): KindTally {
  return { kind, messages: 0, sent: 0, errors: 0, killedMidSend: 0, delivered: 0, killedMidSendDelivered: 0, lostWithReceiver: 0, lost: 0, duplicated: 0, failedButDelivered: 0 };
}

export function tally(ledger: Ledger, ctl: Int32Array, excuses: Excuses, semaphoreLeft: number, portCapacity: number): Accounting {
  const violations: string[] = [];
  const kinds = new Map<Kind, KindTally>(KINDS.map((kind) => [kind, emptyTally(kind)]));
  const droppedPerPort = new Map<number, number>();
  const droppedPerMailbox = new Map<number, number>();
  let channelDropped = 0;
  let ringDropped = 0;
  const example = (what: string, id: number, block: number): void => {
    if (violations.length < 20) violations.push(`${what}: message ${id} (${ledger.blockKind(block)} from pid ${ledger.blockPid(block)} in slot ${ledger.blockSlot(block)} to ${ledger.blockTarget(block)})`);
  };

  for (let block = 0; block < ledger.blocksUsed; block++) {
    const kind = ledger.blockKind(block);
    const target = ledger.blockTarget(block);
    const t = kinds.get(kind)!;
    const used = ledger.blockUsed(block);
    for (let i = 0; i < used; i++) {
      const id = block * BLOCK_MESSAGES + i;
      const status = Atomics.load(ledger.status, id);
      const count = Atomics.load(ledger.received, id);
      t.messages++;
      if (count > 0) t.delivered++;
      if (count > 1) {
        t.duplicated++;
        example(`received ${count} times`, id, block);
      }
      if (status === STATUS.attempting) {
        t.killedMidSend++;
        if (count > 0) t.killedMidSendDelivered++;
      } else if (status === STATUS.failed) {
        t.errors++;
        if (count > 0) {
          t.failedButDelivered++;
          if (kind !== 'call') example('delivered although its send failed', id, block);
        }
      } else if (status === STATUS.ok) {
        t.sent++;
        if (count > 0) continue;
        let excused = false;
        if (kind === 'port' && excuses.killedPorts.has(target)) {
          excused = true;
          droppedPerPort.set(target, (droppedPerPort.get(target) ?? 0) + 1);
        } else if (kind === 'mailbox' && excuses.killedMailboxes.has(target)) {
          excused = true;
          droppedPerMailbox.set(target, (droppedPerMailbox.get(target) ?? 0) + 1);
        } else if (kind === 'page' && excuses.killedPageReceivers.has(target)) {
          excused = true;
        } else if (kind === 'channel') {
          excused = true; // checked against the receivers killed with messages in hand below
          channelDropped++;
        } else if (kind === 'ring') {
          excused = true;
          ringDropped++;
        }
        if (excused) t.lostWithReceiver++;
        else {
          t.lost++;
          example('sent successfully but never received', id, block);
        }
      } else {
        example('handed out but never marked', id, block);
      }
    }
  }

  for (const [port, dropped] of droppedPerPort) {
    if (dropped > portCapacity + 1) violations.push(`port ${port} lost ${dropped} sent messages with its owner, more than its capacity ${portCapacity} + 1 in hand`);
  }
  for (const [pid, dropped] of droppedPerMailbox) {
    if (dropped > MAILBOX_CAPACITY + 1) violations.push(`the mailbox of pid ${pid} lost ${dropped} sent messages with it, more than its ${MAILBOX_CAPACITY} + 1 in hand`);
  }
  if (channelDropped > excuses.channelInHand) {
    violations.push(`the channel lost ${channelDropped} sent messages, but killed receivers could have held only ${excuses.channelInHand}`);
  }
  if (ringDropped > excuses.ringInHand) violations.push(`the ring lost ${ringDropped} sent records, but killed readers could have held only ${excuses.ringInHand}`);

  const posted = Atomics.load(ctl, G.semPosted);
  const acquired = Atomics.load(ctl, G.semAcquired);
  // Posts that happened = acquires that happened + what is left, with each side known within its uncertainty.
  if (acquired + semaphoreLeft > posted + excuses.postsUncertain) {
    violations.push(`semaphore: ${acquired} acquired + ${semaphoreLeft} left > ${posted} posted + ${excuses.postsUncertain} uncertain: tokens were made up`);
  }
  if (posted > acquired + semaphoreLeft + excuses.acquiresUncertain) {
    violations.push(`semaphore: ${posted} posted > ${acquired} acquired + ${semaphoreLeft} left + ${excuses.acquiresUncertain} uncertain: tokens were lost`);
  }

  const corrupt = Atomics.load(ctl, G.corrupt);
  const wrongSender = Atomics.load(ctl, G.wrongSender);
  const wrongReply = Atomics.load(ctl, G.wrongReply);
  const unexpected = Atomics.load(ctl, G.unexpected);
  if (corrupt + wrongSender + wrongReply + unexpected > 0) {
    const first = Array.from({ length: 4 }, (_, i) => Atomics.load(ctl, G.firstProblem + i));
    const code = Object.entries(PROBLEM).find(([, v]) => v === first[0])?.[0] ?? first[0];
    violations.push(`receivers found ${corrupt} corrupt messages, ${wrongSender} from the wrong sender, ${wrongReply} wrong answers (first: ${code} in slot ${first[1]}, value ${first[2]}, message ${first[3]})`);
  }
  for (const t of kinds.values()) {
    if (t.kind === 'call') continue;
    if (t.messages > 0 && t.sent === 0) violations.push(`no ${t.kind} send ever succeeded`);
  }
  if (Atomics.load(ctl, G.ledgerFull) === 1) violations.push('the ledger filled up and producers stopped sending: run with a larger ledger');
  if (kinds.get('call')!.sent === 0) violations.push('no call was ever answered');
  return {
    kinds: [...kinds.values()],
    semaphore: { posted, acquired, left: semaphoreLeft, postsUncertain: excuses.postsUncertain, acquiresUncertain: excuses.acquiresUncertain },
    corrupt,
    wrongSender,
    wrongReply,
    repliesToGoneCallers: Atomics.load(ctl, G.replyLost),
    ledgerFull: Atomics.load(ctl, G.ledgerFull) === 1,
    violations,
  };
}
