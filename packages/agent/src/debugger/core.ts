/** What the actions share: settings, the inspector link, the probe installer, redaction. */
import { types } from 'node:util';
import { createRedactor, type Redactor } from '@glovebox/redact';
import type { MaskingLevel } from '../action.js';
import { NameTable, parseExpression, parseTemplate } from './expression.js';
import type { InspectorLink } from './inspector.js';
import type { SourceMaps } from './locations.js';
import type { ProbeInstaller } from './probe-installer.js';
import { captureIntrinsics } from './runtime/intrinsics.js';
import { createSensitiveKeys, isSensitiveKey } from './runtime/sensitive.js';
import type { CaptureBudgets, ProbeSpec } from './runtime/types.js';
import type { Settings } from './settings.js';

/** The shared state every action works with. */
export class DebuggerCore {
  readonly o: Settings;
  readonly link: InspectorLink;
  readonly installer: ProbeInstaller;
  readonly maps: SourceMaps;
  readonly #redactors = new Map<MaskingLevel, Redactor>();
  readonly #intrinsics = captureIntrinsics(types);
  readonly #keys: ReturnType<typeof createSensitiveKeys>;

  constructor(o: Settings, link: InspectorLink, installer: ProbeInstaller, maps: SourceMaps) {
    this.o = o;
    this.link = link;
    this.installer = installer;
    this.maps = maps;
    this.#keys = createSensitiveKeys(o.sensitiveKeys);
  }

  redactor(level: MaskingLevel): Redactor {
    let r = this.#redactors.get(level);
    if (r === undefined) {
      const known = this.o.knownSecrets;
      r = createRedactor({
        level,
        sensitiveKeys: this.o.sensitiveKeys,
        ...(known ? { knownSecrets: known } : {}),
      });
      this.#redactors.set(level, r);
    }
    return r;
  }

  /** True when a variable of this name is masked whatever it holds (in the isolate and here). */
  isSensitiveName(name: string): boolean {
    return (
      this.redactor('standard').isSensitiveKey(name) || isSensitiveKey(this.#intrinsics, this.#keys, name)
    );
  }
}

/** What a snapshot or logpoint asks of its probe. */
export interface ProbeWish {
  kind: 'snapshot' | 'logpoint';
  condition: string | undefined;
  template: string | undefined;
  perSecond: number;
  maxCaptures: number;
  everyHit: boolean;
  budgets: CaptureBudgets;
}

/** The runtime spec of a probe, once the names in scope at its statement are known. */
export function buildProbeSpec(
  core: DebuggerCore,
  wish: ProbeWish,
  scope: { locals: string[]; closure: string[] },
  id: number,
  gen: number,
): ProbeSpec {
  const names = new NameTable([...scope.locals, ...scope.closure]);
  const capturedCount = names.names.length;
  const condition = wish.condition === undefined ? undefined : parseExpression(wish.condition, names);
  const template = wish.template === undefined ? undefined : parseTemplate(wish.template, names);
  return {
    id,
    gen,
    kind: wish.kind,
    names: names.names,
    localCount: scope.locals.length,
    capturedCount,
    sensitive: names.names.flatMap((n, i) => (core.isSensitiveName(n) ? [i] : [])),
    perSecond: wish.perSecond,
    maxCaptures: wish.maxCaptures,
    cpuBudgetMsPerSecond: core.o.cpuBudgetMsPerSecond,
    hitOverheadMs: 0,
    everyHit: wish.everyHit,
    budgets: wish.budgets,
    ...(condition === undefined ? {} : { condition }),
    ...(template === undefined ? {} : { template }),
  };
}
