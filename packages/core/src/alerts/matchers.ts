import { PromptheusError } from '../errors.js';
import type { Anomaly } from '../model/anomaly.js';
import type { Matcher, Silence } from '../model/silence.js';

/** The anomaly fields a matcher or a group key can name besides labels. */
export const ANOMALY_ATTRIBUTES = ['__name__', 'target', 'severity', 'detector'] as const;

/**
 * The value of one attribute of an anomaly, as matchers and group keys see it: `__name__` is the
 * metric, `target`, `severity` and `detector` are the anomaly's fields (they take precedence over
 * labels of the same name), anything else is a label. An absent label is the empty string, as in
 * Prometheus.
 */
export function anomalyAttribute(
  anomaly: Pick<Anomaly, 'metric' | 'labels' | 'target' | 'severity' | 'detector'>,
  name: string,
): string {
  switch (name) {
    case '__name__':
      return anomaly.metric;
    case 'target':
      return anomaly.target;
    case 'severity':
      return anomaly.severity;
    case 'detector':
      return anomaly.detector;
    default:
      return anomaly.labels[name] ?? '';
  }
}

/** A matcher ready to test anomalies. */
export type CompiledMatcher = (
  anomaly: Pick<Anomaly, 'metric' | 'labels' | 'target' | 'severity' | 'detector'>,
) => boolean;

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_MAX = 1000;

function anchoredRegex(source: string): RegExp {
  const cached = regexCache.get(source);
  if (cached) return cached;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`, 's');
  } catch (error) {
    throw new PromptheusError(
      'invalid_input',
      `matcher regex ${JSON.stringify(source)} is not valid: ${String(error)}`,
      {
        cause: error,
        details: { field: 'value' },
      },
    );
  }
  if (regexCache.size >= REGEX_CACHE_MAX) regexCache.clear();
  regexCache.set(source, regex);
  return regex;
}

/**
 * Compiles a matcher: `=`, `!=`, `=~`, `!~` on a label or an anomaly field. Regexes are anchored at
 * both ends, as in Prometheus (`web-.*` matches `web-1`, not `my-web-1`). Fails with code
 * `invalid_input` when the regex does not compile, so silences can be checked when they are created.
 *
 * @example
 * ```ts
 * const matcher = compileMatcher({ name: 'instance', value: 'web-.*', isRegex: true, isEqual: true });
 * matcher(anomaly); // true when anomaly.labels.instance is web-<anything>
 * ```
 */
export function compileMatcher(matcher: Matcher): CompiledMatcher {
  const isEqual = matcher.isEqual ?? true;
  if (matcher.isRegex) {
    const regex = anchoredRegex(matcher.value);
    return (anomaly) => regex.test(anomalyAttribute(anomaly, matcher.name)) === isEqual;
  }
  return (anomaly) => (anomalyAttribute(anomaly, matcher.name) === matcher.value) === isEqual;
}

/** True when the anomaly satisfies every matcher (an empty list matches everything). */
export function matchesAll(
  matchers: readonly Matcher[],
  anomaly: Pick<Anomaly, 'metric' | 'labels' | 'target' | 'severity' | 'detector'>,
): boolean {
  return matchers.every((matcher) => compileMatcher(matcher)(anomaly));
}

/** True when the silence is in force at `now` (`startsAt <= now < endsAt`). */
export function isSilenceActive(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): boolean {
  return silence.startsAt <= now && now < silence.endsAt;
}

/**
 * The first silence in force at `now` whose matchers all match the anomaly, or null. A silence
 * whose regex does not compile matches nothing (and is reported through `onInvalid`).
 */
export function findSilence(
  anomaly: Pick<Anomaly, 'metric' | 'labels' | 'target' | 'severity' | 'detector'>,
  silences: readonly Silence[],
  now: number,
  onInvalid?: (silence: Silence, error: unknown) => void,
): Silence | null {
  for (const silence of silences) {
    if (!isSilenceActive(silence, now)) continue;
    try {
      if (matchesAll(silence.matchers, anomaly)) return silence;
    } catch (error) {
      onInvalid?.(silence, error);
    }
  }
  return null;
}
