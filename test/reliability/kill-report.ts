/**
 * The printed summary of a kill run (or a traffic-only soak run): seed,
 * kills, exactly-once accounting per object type, semaphore conservation,
 * latency percentiles per operation, kernel.check() and every violation.
 */
import type { KillRunResult } from './kill-run.js';

const pad = (s: string | number, n: number): string => String(s).padStart(n);

export function formatReport(title: string, r: KillRunResult): string[] {
  const lines: string[] = [];
  const a = r.accounting;
  lines.push(`${title}: seed ${r.seed} (replay: KIPC_SEED=${r.seed}), ${r.tasks} task slots, ${(r.elapsedMs / 1000).toFixed(1)} s`);
  const byRole = Object.entries(r.killsByRole)
    .map(([role, n]) => `${role} ${n}`)
    .join(', ');
  lines.push(`  kills survived: ${r.kills} (${r.killsMidOperation} inside an operation, ${r.killsDuringBoot} while booting)${byRole ? `: ${byRole}` : ''}; tasks spawned ${r.spawns}`);
  if (r.kills > 0) lines.push(`  per kill: reaped ${r.meanReapMs.toFixed(1)} ms after terminate(), replacement at work ${r.meanBootMs.toFixed(0)} ms after spawn (means)`);
  lines.push('  exactly-once     messages       sent     errors  killed-mid-send (delivered)  delivered  lost-with-receiver  lost  duplicated');
  let total = { messages: 0, sent: 0, delivered: 0, lost: 0, duplicated: 0 };
  for (const t of a.kinds) {
    lines.push(
      `  ${t.kind.padEnd(12)} ${pad(t.messages, 12)} ${pad(t.sent, 10)} ${pad(t.errors, 10)} ${pad(t.killedMidSend, 16)} ${pad(`(${t.killedMidSendDelivered})`, 12)} ${pad(t.delivered, 10)} ${pad(t.lostWithReceiver, 19)} ${pad(t.lost, 5)} ${pad(t.duplicated, 11)}` +
        (t.kind === 'call' && t.failedButDelivered > 0 ? `  (${t.failedButDelivered} failed calls had reached their server)` : ''),
    );
    total = { messages: total.messages + t.messages, sent: total.sent + t.sent, delivered: total.delivered + t.delivered, lost: total.lost + t.lost, duplicated: total.duplicated + t.duplicated };
  }
  lines.push(`  ${'all'.padEnd(12)} ${pad(total.messages, 12)} ${pad(total.sent, 10)} ${' '.repeat(41)} ${pad(total.delivered, 10)} ${' '.repeat(19)} ${pad(total.lost, 5)} ${pad(total.duplicated, 11)}`);
  const s = a.semaphore;
  lines.push(`  semaphore tokens: posted ${s.posted} (+${s.postsUncertain} uncertain), acquired ${s.acquired} (+${s.acquiresUncertain} uncertain), left ${s.left}`);
  lines.push(`  corrupt ${a.corrupt}, wrong sender ${a.wrongSender}, wrong answers ${a.wrongReply}, answers to callers gone ${a.repliesToGoneCallers}${a.ledgerFull ? ', LEDGER FULL (producers stopped early)' : ''}`);
  lines.push('  latency (µs)           count      p50      p90      p99      max   (receives include waiting for a message)');
  for (const l of r.latency) lines.push(`  ${l.op.padEnd(16)} ${pad(l.count, 11)} ${pad(l.p50, 8)} ${pad(l.p90, 8)} ${pad(l.p99, 8)} ${pad(l.max, 8)}`);
  lines.push(`  kernel.check(): ${r.check.length === 0 ? '[] (consistent)' : JSON.stringify(r.check)}`);
  lines.push(r.violations.length === 0 ? '  violations: none' : `  VIOLATIONS (${r.violations.length}):`);
  for (const v of r.violations) lines.push(`    - ${v}`);
  return lines;
}
