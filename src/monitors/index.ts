/**
 * monitors/ — diagnostics of the properties that make ReLU matter, measured on your own model:
 * `inspect(model, x)` reports dead units, sparsity, saturation, moments, percentiles, histograms and
 * non-finite outputs per layer over a probe set; `monitor()`, a callback for `fit`, accumulates the same
 * per epoch with gradient norms, their first/last ratio, the largest activation and update/weight ratios
 * (its `epochs`; `jsonLines` renders them as JSON lines); `advise` turns the numbers into findings.
 */
export { inspect, INSPECT_DEFAULTS } from './inspect.js';
export { FitMonitor, MONITOR_DEFAULTS, jsonLines, monitor } from './monitor.js';
export {
  ADVICE_RULES, ADVICE_THRESHOLDS, advise, bornDead, deadUnits, explodingGradients, nonFiniteActivations, saturatedUnits, unboundedGrowth,
  vanishingGradients,
} from './advice.js';
export { reportedLayers, layerActivation } from './layers.js';
export type { ReportedLayer } from './layers.js';
export { ActivationAccumulator, PERCENTILES, SATURATION_FRACTION, percentileOfSorted } from './stats.js';
export type {
  AdviceInput, AdviceRule, EpochHealth, Finding, Histogram, InspectOptions, LayerHealth, LayerReport, MonitorOptions, Percentiles, Severity,
} from './types.js';
