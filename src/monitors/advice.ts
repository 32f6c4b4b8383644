/**
 * Advice: rules that turn the statistics into sentences a user can act on, with the numbers. Each rule is
 * a small object `{ id, description, check(stats) }` returning a finding or null; `advise` runs them all.
 * Rules read the latest epoch of `epochs` (from `fit({ monitor })`) and, where it helps, an `inspect`
 * report (`report`, e.g. `history.monitorInit`). Epochs are counted from 1 in messages, as fit prints them.
 */
import type { AdviceInput, AdviceRule, EpochHealth, Finding, LayerReport, Severity } from './types.js';

/** The thresholds the rules use, in one place. */
export const ADVICE_THRESHOLDS = {
  /**
   * First-layer weight-gradient norm below this fraction of the last layer's: vanishing gradients, the
   * failure of deep sigmoid networks in Glorot & Bengio 2010 (https://proceedings.mlr.press/v9/glorot10a.html).
   */
  vanishingRatio: 1e-3,
  /** A layer's weight-gradient norm above this is exploding, whatever the trend. */
  explodingNorm: 1e3,
  /** Or growing by more than this factor from one epoch to the next. */
  explodingGrowth: 10,
  /** Dead units: at least this fraction of a layer never active over an epoch (or a probe set). */
  deadFraction: 0.1,
  /**
   * Saturated layers: at least this fraction of a sigmoid-like layer's outputs in its flat tails
   * (|f'| < 1% of its maximum), where gradients stop (LeCun et al. 1998, "Efficient BackProp").
   */
  saturation: 0.25,
  /** Unbounded growth: the largest |activation| grown by more than this factor since the first epoch. */
  growth: 10,
  /**
   * A recurrent layer's gradient at its first time step below this fraction of the gradient at its last:
   * it vanishes going back through time, so dependencies longer than a few steps are not learned (Bengio,
   * Simard & Frasconi 1994, https://doi.org/10.1109/72.279181).
   */
  recurrentVanishingRatio: 1e-3,
  /** …above this multiple of it (or not finite): it explodes going back through time (Pascanu et al. 2013, https://arxiv.org/abs/1211.5063). */
  recurrentExplodingRatio: 1e3,
} as const;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Three significant digits, exponent for the very large and very small. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

function percent(f: number): string {
  const p = f * 100;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toPrecision(2)}%`;
}

function latest(stats: AdviceInput): EpochHealth | null {
  const epochs = (stats.epochs ?? []).filter(Boolean);
  return epochs.length ? epochs[epochs.length - 1]! : null;
}

function learningRateText(stats: AdviceInput, epoch: EpochHealth | null): string {
  const lr = stats.learningRate ?? epoch?.learningRate ?? null;
  return lr === null || lr === undefined ? '' : ` (learning rate ${fmt(lr)})`;
}

function where(epoch: EpochHealth | null): string {
  return epoch ? `during epoch ${epoch.epoch + 1}` : 'on the probe set';
}

/** The layers a rule looks at: the latest epoch's, else the inspect report's. */
function layersOf(stats: AdviceInput): { layers: readonly LayerReport[]; epoch: EpochHealth | null } {
  const epoch = latest(stats);
  if (epoch) return { layers: epoch.layers, epoch };
  return { layers: stats.report ?? [], epoch: null };
}

export const vanishingGradients: AdviceRule = {
  id: 'vanishing-gradients',
  description: `The first layer's weight-gradient norm is below ${ADVICE_THRESHOLDS.vanishingRatio} of the last layer's.`,
  check(stats): Finding | null {
    const epoch = latest(stats);
    if (!epoch || epoch.gradientRatio === null || !Number.isFinite(epoch.gradientRatio)) return null;
    if (!(epoch.gradientRatio < ADVICE_THRESHOLDS.vanishingRatio)) return null;
    const withGrads = epoch.layers.filter((l) => l.weightGradNorm !== null);
    const first = withGrads[0]!;
    const last = withGrads[withGrads.length - 1]!;
    const sigmoidLike = withGrads.filter((l) => l.saturation !== null).length;
    return {
      rule: 'vanishing-gradients',
      severity: 'warning',
      layer: first.name,
      message:
        `Gradients vanish ${where(epoch)}: the first layer's weight gradient (${first.name}, ${fmt(first.weightGradNorm!)}) is ` +
        `${fmt(epoch.gradientRatio)} of the last layer's (${last.name}, ${fmt(last.weightGradNorm!)}), so the early layers barely learn. ` +
        `Try ${sigmoidLike ? 'relu or another rectifier instead of saturating activations, ' : ''}He initialization, batch normalization, or fewer layers.`,
      numbers: { epoch: epoch.epoch, gradientRatio: epoch.gradientRatio, firstGradNorm: first.weightGradNorm!, lastGradNorm: last.weightGradNorm! },
    };
  },
};

export const explodingGradients: AdviceRule = {
  id: 'exploding-gradients',
  description: `A layer's weight-gradient norm is not finite, above ${ADVICE_THRESHOLDS.explodingNorm}, or grew more than ${ADVICE_THRESHOLDS.explodingGrowth}× since the previous epoch.`,
  check(stats): Finding | null {
    const epochs = (stats.epochs ?? []).filter(Boolean);
    const epoch = latest(stats);
    if (!epoch) return null;
    const previous = epochs.length >= 2 ? epochs[epochs.length - 2]! : null;
    const lr = learningRateText(stats, epoch);
    const advice = 'Try a lower learning rate, gradient clipping (clipNorm), or a smaller initialization scale.';
    const grads = [...epoch.layers.map((l) => l.weightGradNorm), ...epoch.layers.map((l) => l.activationGradNorm)];
    const broken = epoch.layers.find((l) => (l.weightGradNorm !== null && !Number.isFinite(l.weightGradNorm)) || (l.activationGradNorm !== null && !Number.isFinite(l.activationGradNorm)));
    if (broken) {
      return {
        rule: 'exploding-gradients', severity: 'error', layer: broken.name,
        message: `${broken.name}: the gradient became ${broken.weightGradNorm !== null && !Number.isFinite(broken.weightGradNorm) ? broken.weightGradNorm : broken.activationGradNorm} ${where(epoch)}${lr}. ${advice}`,
        numbers: { epoch: epoch.epoch, nonFiniteGradients: grads.filter((g) => g !== null && !Number.isFinite(g)).length },
      };
    }
    let worst: { name: string; norm: number } | null = null;
    for (const l of epoch.layers) if (l.weightGradNorm !== null && (!worst || l.weightGradNorm > worst.norm)) worst = { name: l.name, norm: l.weightGradNorm };
    if (!worst) return null;
    if (worst.norm > ADVICE_THRESHOLDS.explodingNorm) {
      return {
        rule: 'exploding-gradients', severity: 'error', layer: worst.name,
        message: `${worst.name}: the weight gradient norm is ${fmt(worst.norm)} ${where(epoch)}${lr}, above ${fmt(ADVICE_THRESHOLDS.explodingNorm)}: gradients are exploding. ${advice}`,
        numbers: { epoch: epoch.epoch, gradNorm: worst.norm, threshold: ADVICE_THRESHOLDS.explodingNorm },
      };
    }
    const before = previous?.layers.find((l) => l.name === worst!.name)?.weightGradNorm;
    if (before && before > 0 && worst.norm / before > ADVICE_THRESHOLDS.explodingGrowth) {
      const growth = worst.norm / before;
      return {
        rule: 'exploding-gradients', severity: 'warning', layer: worst.name,
        message: `${worst.name}: the weight gradient norm grew ${fmt(growth)}× in one epoch (${fmt(before)} → ${fmt(worst.norm)}, epoch ${epoch.epoch + 1})${lr}. ${advice}`,
        numbers: { epoch: epoch.epoch, gradNorm: worst.norm, previousGradNorm: before, growth },
      };
    }
    return null;
  },
};

export const deadUnits: AdviceRule = {
  id: 'dead-units',
  description: `At least ${percent(ADVICE_THRESHOLDS.deadFraction)} of a layer's units never fired over an epoch (or the probe set).`,
  check(stats): Finding | null {
    const { layers, epoch } = layersOf(stats);
    const affected = layers.filter((l) => l.canDie && l.deadFraction >= ADVICE_THRESHOLDS.deadFraction);
    if (!affected.length) return null;
    const worst = affected.reduce((a, b) => (b.deadFraction > a.deadFraction ? b : a));
    const others = affected.length - 1;
    return {
      rule: 'dead-units',
      severity: worst.deadFraction >= 0.5 ? 'error' : 'warning',
      layer: worst.name,
      message:
        `${worst.name}: ${percent(worst.deadFraction)} of units (${worst.deadUnits} of ${worst.units}) never fired ${where(epoch)}${learningRateText(stats, epoch)}` +
        `${others ? `, and ${others} more layer${others > 1 ? 's' : ''} above ${percent(ADVICE_THRESHOLDS.deadFraction)}` : ''}. ` +
        'Try leaky_relu or prelu, a lower learning rate, or He initialization.',
      numbers: { ...(epoch ? { epoch: epoch.epoch } : {}), deadUnits: worst.deadUnits, units: worst.units, deadFraction: worst.deadFraction, layersAffected: affected.length },
    };
  },
};

export const saturatedUnits: AdviceRule = {
  id: 'saturation',
  description: `At least ${percent(ADVICE_THRESHOLDS.saturation)} of a sigmoid-like layer's outputs are in its flat tails (|f'| below 1% of its maximum).`,
  check(stats): Finding | null {
    const { layers, epoch } = layersOf(stats);
    const affected = layers.filter((l) => l.saturation !== null && l.saturation >= ADVICE_THRESHOLDS.saturation);
    if (!affected.length) return null;
    const worst = affected.reduce((a, b) => (b.saturation! > a.saturation! ? b : a));
    return {
      rule: 'saturation',
      severity: 'warning',
      layer: worst.name,
      message:
        `${worst.name} (${worst.activation}): ${percent(worst.saturation!)} of outputs are saturated ${where(epoch)}, where its gradient is under 1% of its peak` +
        `${affected.length > 1 ? ` (${affected.length} layers above ${percent(ADVICE_THRESHOLDS.saturation)})` : ''}. ` +
        'Try relu or another rectifier, Glorot initialization for sigmoid/tanh, normalized inputs, or batch normalization.',
      numbers: { ...(epoch ? { epoch: epoch.epoch } : {}), saturation: worst.saturation!, layersAffected: affected.length },
    };
  },
};

export const bornDead: AdviceRule = {
  id: 'born-dead',
  description: 'Every unit of some layer is dead on the inspect report (e.g. at initialization), or the model output is constant over the probe set.',
  check(stats): Finding | null {
    const report = stats.report;
    if (!report || report.length === 0) return null;
    const advice =
      'No gradient reaches the layers below it, so training cannot start. Deep narrow ReLU networks are born dead with high probability ' +
      '(Lu et al. 2019, https://arxiv.org/abs/1903.06733): try another seed, randomized asymmetric initialization (kernelInitializer "rai"), leaky_relu, or a wider or shallower network.';
    const dead = report.find((l) => l.canDie && l.units > 0 && l.deadUnits === l.units);
    if (dead) {
      return {
        rule: 'born-dead', severity: 'error', layer: dead.name,
        message: `${dead.name}: all ${dead.units} units output ${dead.activation === 'relu' ? '0' : 'their flat value'} for every one of the ${dead.samples} probe samples: the network is dead. ${advice}`,
        numbers: { layerIndex: dead.layerIndex, units: dead.units, samples: dead.samples },
      };
    }
    const output = report[report.length - 1]!;
    if (output.samples >= 2 && output.units > 0 && output.constantUnits === output.units) {
      return {
        rule: 'born-dead', severity: 'error', layer: output.name,
        message: `${output.name}: the model output is the same for all ${output.samples} probe samples: the network ignores its input. ${advice}`,
        numbers: { layerIndex: output.layerIndex, units: output.units, samples: output.samples },
      };
    }
    return null;
  },
};

export const unboundedGrowth: AdviceRule = {
  id: 'unbounded-growth',
  description: `The largest |activation| of a layer grew more than ${ADVICE_THRESHOLDS.growth}× since the first monitored epoch and is still growing.`,
  check(stats): Finding | null {
    const epochs = (stats.epochs ?? []).filter(Boolean);
    if (epochs.length < 2) return null;
    const first = epochs[0]!;
    const last = epochs[epochs.length - 1]!;
    const previous = epochs[epochs.length - 2]!;
    let worst: { name: string; growth: number; from: number; to: number } | null = null;
    for (const l of last.layers) {
      const from = first.layers.find((f) => f.name === l.name)?.maxAbsActivation;
      const prev = previous.layers.find((f) => f.name === l.name)?.maxAbsActivation;
      if (!from || prev === undefined || !(l.maxAbsActivation >= prev)) continue;
      const growth = l.maxAbsActivation / from;
      if (growth > ADVICE_THRESHOLDS.growth && (!worst || growth > worst.growth)) worst = { name: l.name, growth, from, to: l.maxAbsActivation };
    }
    if (!worst) return null;
    return {
      rule: 'unbounded-growth',
      severity: 'warning',
      layer: worst.name,
      message:
        `${worst.name}: the largest activation grew ${fmt(worst.growth)}× from epoch ${first.epoch + 1} to ${last.epoch + 1} (${fmt(worst.from)} → ${fmt(worst.to)}) and is still growing; ` +
        'ReLU does not bound its output. Try weight decay, a lower learning rate, batch normalization, or a bounded variant such as relu6.',
      numbers: { epoch: last.epoch, growth: worst.growth, from: worst.from, to: worst.to },
    };
  },
};

export const nonFiniteActivations: AdviceRule = {
  id: 'non-finite-activations',
  description: 'Some layer output NaN or ±Inf.',
  check(stats): Finding | null {
    const { layers, epoch } = layersOf(stats);
    const first = layers.find((l) => l.nonFinite > 0);
    if (!first) return null;
    const total = layers.reduce((s, l) => s + l.nonFinite, 0);
    return {
      rule: 'non-finite-activations',
      severity: 'error',
      layer: first.name,
      message:
        `${first.name}: ${first.nonFinite} output${first.nonFinite > 1 ? 's were' : ' was'} NaN or ±Inf ${where(epoch)} (the first layer where they appear; ${total} in all)${learningRateText(stats, epoch)}. ` +
        'Check the inputs for NaN or huge values, and try a lower learning rate or gradient clipping.',
      numbers: { ...(epoch ? { epoch: epoch.epoch } : {}), nonFinite: first.nonFinite, totalNonFinite: total, layerIndex: first.layerIndex },
    };
  },
};

export const recurrentGradients: AdviceRule = {
  id: 'recurrent-gradients',
  description:
    `A recurrent layer's gradient at its first time step is below ${ADVICE_THRESHOLDS.recurrentVanishingRatio} of the gradient at its last step (vanishing through time), ` +
    `or above ${ADVICE_THRESHOLDS.recurrentExplodingRatio}× it or not finite (exploding through time).`,
  check(stats): Finding | null {
    const epoch = latest(stats);
    if (!epoch) return null;
    for (const l of epoch.layers) {
      const g = l.time?.gradNorm;
      if (!g || g.length < 2) continue;
      const first = g[0]!;
      const last = g[g.length - 1]!;
      const steps = g.length;
      if (!g.every(Number.isFinite) || (last > 0 && first / last > ADVICE_THRESHOLDS.recurrentExplodingRatio)) {
        const ratio = last > 0 ? first / last : Infinity;
        return {
          rule: 'recurrent-gradients', severity: 'error', layer: l.name,
          message:
            `${l.name}: the gradient explodes back through time ${where(epoch)}: ‖dL/dh‖ is ${fmt(first)} at step 1 against ${fmt(last)} at step ${steps}${learningRateText(stats, epoch)}. ` +
            'Clip the gradient norm (clipNorm), lower the learning rate, or start the recurrent kernel smaller (identity with a gain below 1, orthogonal).',
          numbers: { epoch: epoch.epoch, steps, firstStepGradNorm: first, lastStepGradNorm: last, ratio },
        };
      }
      if (last > 0 && first / last < ADVICE_THRESHOLDS.recurrentVanishingRatio) {
        // The first step (from the end) where the gradient has fallen under the threshold: the reach of memory.
        let reach = steps;
        for (let t = steps - 1; t >= 0; t--) if (g[t]! < ADVICE_THRESHOLDS.recurrentVanishingRatio * last) { reach = steps - 1 - t; break; }
        return {
          rule: 'recurrent-gradients', severity: 'warning', layer: l.name,
          message:
            `${l.name}: the gradient vanishes back through time ${where(epoch)}: ‖dL/dh‖ is ${fmt(first)} at step 1 against ${fmt(last)} at step ${steps}, ` +
            `below ${fmt(ADVICE_THRESHOLDS.recurrentVanishingRatio)} of it from ${reach} steps back, so longer dependencies are barely learned. ` +
            'Try relu with an identity recurrent kernel (the IRNN of Le et al. 2015), an LSTM or GRU, or shorter sequences.',
          numbers: { epoch: epoch.epoch, steps, firstStepGradNorm: first, lastStepGradNorm: last, ratio: first / last, reach },
        };
      }
    }
    return null;
  },
};

/** Every rule, in the order their findings are most useful when severities tie. */
export const ADVICE_RULES: readonly AdviceRule[] = [
  nonFiniteActivations, bornDead, explodingGradients, vanishingGradients, recurrentGradients, deadUnits, saturatedUnits, unboundedGrowth,
];

function checkInput(stats: unknown): AdviceInput {
  if (!stats || typeof stats !== 'object' || Array.isArray(stats)) {
    throw new TypeError(`advise: stats must be an object { epochs?, report?, learningRate? }, got ${stats === null ? 'null' : Array.isArray(stats) ? 'an array' : typeof stats}`);
  }
  const s = stats as AdviceInput;
  if (s.epochs !== undefined && !Array.isArray(s.epochs)) throw new TypeError(`advise: stats.epochs must be an array of epoch statistics (history.monitor), got ${typeof s.epochs}`);
  if (s.report !== undefined && !Array.isArray(s.report)) throw new TypeError(`advise: stats.report must be an array of layer reports (from inspect), got ${typeof s.report}`);
  if (s.learningRate !== undefined && s.learningRate !== null && typeof s.learningRate !== 'number') throw new TypeError(`advise: stats.learningRate must be a number, got ${typeof s.learningRate}`);
  return s;
}

/** Runs the rules (all by default) and returns their findings, most severe first. */
export function advise(stats: AdviceInput, rules: readonly AdviceRule[] = ADVICE_RULES): Finding[] {
  const input = checkInput(stats);
  if (!Array.isArray(rules)) throw new TypeError(`advise: rules must be an array of { id, check } rules, got ${typeof rules}`);
  const findings: Finding[] = [];
  for (const rule of rules) {
    const f = rule.check(input);
    if (f) findings.push(f);
  }
  return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
