import { z } from 'zod';
import type { Detector, DetectorFinding } from '../contracts/detector.js';
import { compareSeverity, type Severity, severitySchema } from '../model/common.js';
import type { Sample } from '../model/sample.js';
import { formatValue } from './format.js';
import { parseDetectorOptions } from './options.js';

/** Comparison of a threshold rule: the rule fires while `value <op> threshold` holds. */
export type ThresholdOperator = '>' | '>=' | '<' | '<=' | '==' | '!=';

/**
 * One threshold rule. Rules are plain data, so they can also come from configuration files
 * (with `metric` as a string).
 *
 * @example
 * ```ts
 * const rule: ThresholdRule = {
 *   metric: 'node_filesystem_avail_*',
 *   labels: { mountpoint: '/' },
 *   op: '<',
 *   value: 1e9,
 *   severity: 'high',
 *   for: 300,
 *   hysteresis: 1e8,
 * };
 * ```
 */
export interface ThresholdRule {
  /**
   * Metric name the rule applies to: an exact name, a glob where `*` matches any characters
   * (`node_*_bytes`), or a regular expression tested against the whole name.
   */
  readonly metric: string | RegExp;
  /**
   * Label matchers that must all hold: an exact value, or a regular expression tested against
   * the label value (a missing label is the empty string).
   * @default no label condition
   */
  readonly labels?: Readonly<Record<string, string | RegExp>>;
  /** Comparison of the sample value with `value`. */
  readonly op: ThresholdOperator;
  /** The threshold. */
  readonly value: number;
  /** Severity of the findings. */
  readonly severity: Severity;
  /**
   * Seconds the condition must hold (by sample timestamps) before the rule fires.
   * @default 0 (fires on the first sample past the threshold)
   */
  readonly for?: number;
  /**
   * Resolve hysteresis for `>`, `>=`, `<` and `<=`: once firing, the rule keeps firing until the
   * value is back past `value - hysteresis` (for `>`/`>=`) or `value + hysteresis` (for `<`/`<=`).
   * Ignored for `==` and `!=`.
   * @default 0
   */
  readonly hysteresis?: number;
  /**
   * Distance past the threshold at which the score reaches 0.75 (the score is 0.5 just past the
   * threshold and approaches 1 as the value moves further away).
   * @default `|value|`, or 1 when the threshold is 0
   */
  readonly scale?: number;
  /**
   * Short description used in reasons instead of the metric name.
   * @example 'CPU usage'
   */
  readonly description?: string;
}

/**
 * The built-in rules of the original service: `up < 1` critical, `cpu_usage > 80` high,
 * `memory_usage > 80` high, `http_request_duration_seconds > 5` high, `errors_total > 10` high,
 * `disk_usage > 90` critical.
 */
export const DEFAULT_THRESHOLD_RULES: readonly ThresholdRule[] = Object.freeze([
  Object.freeze({ metric: 'up', op: '<', value: 1, severity: 'critical' }),
  Object.freeze({ metric: 'cpu_usage', op: '>', value: 80, severity: 'high' }),
  Object.freeze({ metric: 'memory_usage', op: '>', value: 80, severity: 'high' }),
  Object.freeze({ metric: 'http_request_duration_seconds', op: '>', value: 5, severity: 'high' }),
  Object.freeze({ metric: 'errors_total', op: '>', value: 10, severity: 'high' }),
  Object.freeze({ metric: 'disk_usage', op: '>', value: 90, severity: 'critical' }),
] satisfies ThresholdRule[]);

/** Options of {@link thresholdDetector}. */
export interface ThresholdDetectorOptions {
  /**
   * Detector name, as it appears on anomalies.
   * @default 'threshold'
   */
  readonly name?: string;
  /**
   * The rules. When several rules fire on one sample, the finding is the most severe one (then
   * the highest score), and the sample's score is the highest score of all matching rules.
   * @default DEFAULT_THRESHOLD_RULES
   * @example `[...DEFAULT_THRESHOLD_RULES, { metric: 'queue_depth', op: '>', value: 1000, severity: 'medium' }]`
   */
  readonly rules?: readonly ThresholdRule[];
}

const matcherSchema = z.union([z.string(), z.instanceof(RegExp)]);
const ruleSchema = z.object({
  metric: z.union([z.string().min(1, 'must not be empty'), z.instanceof(RegExp)]),
  labels: z.record(z.string(), matcherSchema).optional(),
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
  severity: severitySchema,
  for: z.number().finite().nonnegative().optional(),
  hysteresis: z.number().finite().nonnegative().optional(),
  scale: z.number().finite().positive().optional(),
  description: z.string().optional(),
});
const optionsSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'must contain only lowercase letters, digits and dashes'),
  rules: z.array(ruleSchema),
});

interface CompiledRule {
  readonly index: number;
  readonly rule: ThresholdRule;
  readonly labelMatchers: ReadonlyArray<readonly [string, string | RegExp]>;
  readonly holds: (value: number) => boolean;
  readonly keepsFiring: (value: number) => boolean;
  /** Signed distance past the threshold (positive while the condition holds). */
  readonly excess: (value: number) => number;
  readonly scale: number;
  readonly forMs: number;
  readonly resolveLevel: number;
  readonly stateful: boolean;
  readonly subject: string | undefined;
}

interface RuleState {
  /** Timestamp since which the condition holds; NaN when it does not. */
  since: number;
  firing: boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function compileMetricMatcher(metric: string | RegExp): { exact?: string; test?: (name: string) => boolean } {
  if (typeof metric === 'string') {
    if (!metric.includes('*')) return { exact: metric };
    const pattern = new RegExp(`^${metric.split('*').map(escapeRegExp).join('.*')}$`);
    return { test: (name) => pattern.test(name) };
  }
  const flags = metric.flags.replace(/[gy]/g, '');
  const whole = new RegExp(`^(?:${metric.source})$`, flags);
  return { test: (name) => whole.test(name) };
}

const describeOperator: Record<ThresholdOperator, string> = {
  '>': 'above',
  '>=': 'at or above',
  '<': 'below',
  '<=': 'at or below',
  '==': 'equal to',
  '!=': 'not equal to',
};

function compileRule(rule: ThresholdRule, index: number): CompiledRule {
  const threshold = rule.value;
  const hysteresis = rule.hysteresis ?? 0;
  const scale = rule.scale ?? (threshold === 0 ? 1 : Math.abs(threshold));
  let holds: (value: number) => boolean;
  let keepsFiring: (value: number) => boolean;
  let excess: (value: number) => number;
  let resolveLevel = threshold;
  switch (rule.op) {
    case '>':
      holds = (value) => value > threshold;
      resolveLevel = threshold - hysteresis;
      keepsFiring = (value) => value > resolveLevel;
      excess = (value) => value - threshold;
      break;
    case '>=':
      holds = (value) => value >= threshold;
      resolveLevel = threshold - hysteresis;
      keepsFiring = (value) => value >= resolveLevel;
      excess = (value) => value - threshold;
      break;
    case '<':
      holds = (value) => value < threshold;
      resolveLevel = threshold + hysteresis;
      keepsFiring = (value) => value < resolveLevel;
      excess = (value) => threshold - value;
      break;
    case '<=':
      holds = (value) => value <= threshold;
      resolveLevel = threshold + hysteresis;
      keepsFiring = (value) => value <= resolveLevel;
      excess = (value) => threshold - value;
      break;
    case '==':
      holds = (value) => value === threshold;
      keepsFiring = holds;
      excess = (value) => (value === threshold ? scale : -Math.abs(value - threshold));
      break;
    case '!=':
      holds = (value) => value !== threshold;
      keepsFiring = holds;
      excess = (value) => Math.abs(value - threshold);
      break;
  }
  const ordered = rule.op !== '==' && rule.op !== '!=';
  const forMs = (rule.for ?? 0) * 1000;
  return {
    index,
    rule,
    labelMatchers: Object.entries(rule.labels ?? {}),
    holds,
    keepsFiring: ordered && hysteresis > 0 ? keepsFiring : holds,
    excess,
    scale,
    forMs,
    resolveLevel: ordered ? resolveLevel : threshold,
    stateful: forMs > 0 || (ordered && hysteresis > 0),
    subject: rule.description,
  };
}

/**
 * Score just past the threshold is 0.5, 0.75 at one `scale` past it, approaching 1 further out
 * (logarithmically, so even extreme values keep distinct scores below 1).
 */
function scorePast(distance: number, scale: number): number {
  const steps = Math.log2(1 + Math.max(0, distance) / scale);
  return 0.5 + (0.5 * steps) / (1 + steps);
}

function labelsMatch(sample: Sample, matchers: CompiledRule['labelMatchers']): boolean {
  for (const [label, matcher] of matchers) {
    const actual = sample.labels[label] ?? '';
    if (typeof matcher === 'string' ? actual !== matcher : !matcher.test(actual)) return false;
  }
  return true;
}

const MATCH_CACHE_LIMIT = 10_000;

/**
 * Flags samples that cross fixed thresholds, with optional `for` durations and resolve
 * hysteresis, like Prometheus alerting rules evaluated on the collected samples.
 *
 * Score of a matching sample: 0 while its condition does not hold; 0.5 just past the threshold,
 * rising towards 1 with the distance past it (0.75 at one `scale`). While a rule keeps firing
 * inside its hysteresis band the score lies between 0 and 0.5, growing towards the threshold.
 * A rule with `for` reports nothing until the condition has held that long, though the score
 * already shows how far past the threshold the value is. Non-finite values never match.
 *
 * Memory: rules with `for` or `hysteresis` keep 16 bytes per (rule, series) that matched them;
 * other rules keep no per-series state.
 *
 * @example
 * ```ts
 * const detector = thresholdDetector({
 *   rules: [...DEFAULT_THRESHOLD_RULES, { metric: 'queue_depth', op: '>', value: 1000, severity: 'medium', for: 120 }],
 * });
 * ```
 */
export function thresholdDetector(options: ThresholdDetectorOptions = {}): Detector {
  const parsed = parseDetectorOptions(
    optionsSchema,
    { name: options.name ?? 'threshold', rules: options.rules ?? DEFAULT_THRESHOLD_RULES },
    'thresholdDetector',
  );
  const rules = (options.rules ?? DEFAULT_THRESHOLD_RULES).map(compileRule);
  const exactRules = new Map<string, CompiledRule[]>();
  const patternRules: Array<{ readonly test: (name: string) => boolean; readonly rule: CompiledRule }> = [];
  for (const rule of rules) {
    const matcher = compileMetricMatcher(rule.rule.metric);
    if (matcher.exact !== undefined) {
      const list = exactRules.get(matcher.exact) ?? [];
      list.push(rule);
      exactRules.set(matcher.exact, list);
    } else if (matcher.test) {
      patternRules.push({ test: matcher.test, rule });
    }
  }
  const rulesByMetric = new Map<string, readonly CompiledRule[]>();
  const rulesFor = (metric: string): readonly CompiledRule[] => {
    const cached = rulesByMetric.get(metric);
    if (cached) return cached;
    const matched = [...(exactRules.get(metric) ?? [])];
    for (const pattern of patternRules) if (pattern.test(metric)) matched.push(pattern.rule);
    matched.sort((a, b) => a.index - b.index);
    if (rulesByMetric.size >= MATCH_CACHE_LIMIT) rulesByMetric.clear();
    rulesByMetric.set(metric, matched);
    return matched;
  };
  const states = new Map<string, Map<number, RuleState>>();

  function evaluate(sample: Sample, rule: CompiledRule): { score: number; firing: boolean; heldFor: number } {
    const value = sample.value;
    const holds = rule.holds(value);
    const score = holds ? scorePast(rule.excess(value), rule.scale) : 0;
    if (!rule.stateful) return { score, firing: holds, heldFor: 0 };
    let perSeries = states.get(sample.seriesId);
    let state = perSeries?.get(rule.index);
    if (!state) {
      if (!holds) return { score, firing: false, heldFor: 0 };
      state = { since: Number.NaN, firing: false };
      if (!perSeries) {
        perSeries = new Map();
        states.set(sample.seriesId, perSeries);
      }
      perSeries.set(rule.index, state);
    }
    if (state.firing && rule.keepsFiring(value)) {
      const heldFor = Number.isNaN(state.since) ? 0 : Math.max(0, sample.timestamp - state.since);
      if (holds) return { score, firing: true, heldFor };
      // Inside the hysteresis band: still firing, scored below the threshold's 0.5.
      const band = Math.abs(rule.rule.value - rule.resolveLevel);
      const towardsThreshold = band > 0 ? 1 - Math.abs(rule.rule.value - value) / band : 0;
      return {
        score: Math.min(0.5, Math.max(Number.MIN_VALUE, 0.5 * towardsThreshold)),
        firing: true,
        heldFor,
      };
    }
    if (!holds) {
      perSeries!.delete(rule.index);
      if (perSeries!.size === 0) states.delete(sample.seriesId);
      return { score, firing: false, heldFor: 0 };
    }
    if (Number.isNaN(state.since) || sample.timestamp < state.since) state.since = sample.timestamp;
    const heldFor = sample.timestamp - state.since;
    state.firing = heldFor >= rule.forMs;
    return { score, firing: state.firing, heldFor };
  }

  return {
    name: parsed.name,
    observe(samples, observeOptions) {
      const scores = observeOptions?.scores;
      let findings: DetectorFinding[] | undefined;
      for (let index = 0; index < samples.length; index++) {
        const sample = samples[index]!;
        if (scores) scores[index] = 0;
        const candidates = rulesFor(sample.metric);
        if (candidates.length === 0 || !Number.isFinite(sample.value)) continue;
        let bestScore = 0;
        let fired: { rule: CompiledRule; score: number; heldFor: number } | undefined;
        for (const rule of candidates) {
          if (!labelsMatch(sample, rule.labelMatchers)) continue;
          const result = evaluate(sample, rule);
          if (result.score > bestScore) bestScore = result.score;
          if (!result.firing) continue;
          const better =
            !fired ||
            compareSeverity(rule.rule.severity, fired.rule.rule.severity) > 0 ||
            (rule.rule.severity === fired.rule.rule.severity && result.score > fired.score);
          if (better) fired = { rule, score: result.score, heldFor: result.heldFor };
        }
        if (scores) scores[index] = bestScore;
        if (!fired) continue;
        const { rule, heldFor } = fired;
        const subject = rule.subject ?? sample.metric;
        const inHysteresisBand = !rule.holds(sample.value);
        const reason = inHysteresisBand
          ? `${subject} is ${formatValue(sample.value)}, not yet back past ${formatValue(rule.resolveLevel)} after crossing ${formatValue(rule.rule.value)}`
          : `${subject} is ${formatValue(sample.value)}, ${describeOperator[rule.rule.op]} ${formatValue(rule.rule.value)}${
              rule.forMs > 0 ? ` for ${formatDuration(heldFor)}` : ''
            }`;
        if (!findings) findings = [];
        findings.push({
          sample,
          score: bestScore,
          severity: rule.rule.severity,
          reason,
          evidence: {
            value: sample.value,
            threshold: rule.rule.value,
            op: rule.rule.op,
            rule: typeof rule.rule.metric === 'string' ? rule.rule.metric : String(rule.rule.metric),
            ...(rule.forMs > 0
              ? { forSeconds: rule.forMs / 1000, heldSeconds: Math.round(heldFor / 1000) }
              : {}),
            ...(rule.resolveLevel !== rule.rule.value ? { resolveLevel: rule.resolveLevel } : {}),
          },
        });
      }
      return findings ?? [];
    },
    forget(seriesIds) {
      for (const seriesId of seriesIds) states.delete(seriesId);
    },
  };
}

function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
}
