/**
 * The correspondence between the model's names and the kernel's: handle
 * values (per task), call tokens and object ids. The docs fix what they
 * mean, not what numbers they are, so the model hands out its own (in
 * ranges of their own, see state.ts) and this table pairs each with the
 * kernel's the first time both appear in the same place. From then on the
 * pair must hold, and a kernel value may never stand for two model values
 * (a closed handle stays EBADF forever; a token dies with its call).
 */
import { HANDLE_BASE, OBJECT_BASE, TOKEN_BASE } from './state.js';

export type NameKind = 'handle' | 'token' | 'object';

const BASES: Record<NameKind, number> = { handle: HANDLE_BASE, token: TOKEN_BASE, object: OBJECT_BASE };
/** Each kind's range is 2^28 wide. */
const RANGE = 0x10000000;

/** Whether `value` is one the model handed out as a `kind`. */
export function isModelName(kind: NameKind, value: number): boolean {
  return value > BASES[kind] && value < BASES[kind] + RANGE;
}

interface Pairs {
  toModel: Map<number, number>;
  toReal: Map<number, number>;
}

export class Translation {
  private readonly scopes = new Map<string, Pairs>();

  private pairs(kind: NameKind, scope: number): Pairs {
    // Handles are per task, and so are call tokens (each caller numbers its own calls): scope is the task's or the caller's pid.
    const key = kind === 'object' ? kind : `${kind[0]}${scope}`;
    let p = this.scopes.get(key);
    if (p === undefined) this.scopes.set(key, (p = { toModel: new Map(), toReal: new Map() }));
    return p;
  }

  /** The model's value for kernel value `real` (a handle of task `scope`); unknown values stand for themselves. */
  toModel(kind: NameKind, scope: number, real: number): number {
    return this.pairs(kind, scope).toModel.get(real) ?? real;
  }

  /** The kernel's value for the model's `model`, if paired. */
  toReal(kind: NameKind, scope: number, model: number): number | undefined {
    return this.pairs(kind, scope).toReal.get(model);
  }

  /** Every kernel value seen for `kind` in `scope`, oldest first. */
  realValues(kind: NameKind, scope: number): number[] {
    return [...this.pairs(kind, scope).toModel.keys()];
  }

  /**
   * Checks that kernel value `real` is what the model's `model` stands for,
   * pairing them if `model` is a model name seen for the first time. Returns
   * a description of the disagreement, or null.
   */
  match(kind: NameKind, scope: number, real: number, model: number): string | null {
    const p = this.pairs(kind, scope);
    // A value the model did not hand out is one the program made up: the kernel must have it exactly.
    if (!isModelName(kind, model)) return real === model ? null : `${kind} ${real} where the model has ${model}`;
    const known = p.toReal.get(model);
    if (known !== undefined) return known === real ? null : `${kind} ${real} where the model's ${model} is ${known}`;
    if (p.toModel.has(real)) return `${kind} ${real} is new to the model (${model}) but the kernel used it before for ${p.toModel.get(real)}`;
    if (!(real > 0)) return `${kind} ${real} where the model has a new ${kind}`;
    p.toModel.set(real, model);
    p.toReal.set(model, real);
    return null;
  }
}
