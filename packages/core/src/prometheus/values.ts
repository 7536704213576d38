import { PromptheusError } from '../errors.js';

/**
 * Parses a sample value as Prometheus writes it in the API: a decimal or exponent number,
 * `NaN`, `+Inf` or `-Inf`. Returns `undefined` for anything else (hex, whitespace, empty).
 *
 * @example
 * ```ts
 * parseSampleValue('+Inf'); // Infinity
 * parseSampleValue('1.5e3'); // 1500
 * parseSampleValue('abc'); // undefined
 * ```
 */
export function parseSampleValue(text: string): number | undefined {
  const length = text.length;
  if (length === 0) return undefined;
  const first = text.charCodeAt(0);
  // Letters only appear in the special values; check them first (N, +, -, I, i).
  if (first === 78 /* N */ || first === 73 /* I */ || first === 105 /* i */ || length <= 4) {
    switch (text) {
      case 'NaN':
        return Number.NaN;
      case '+Inf':
      case 'Inf':
      case 'inf':
      case '+inf':
        return Number.POSITIVE_INFINITY;
      case '-Inf':
      case '-inf':
        return Number.NEGATIVE_INFINITY;
    }
  }
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    // 0-9 . + - e E
    if (
      !(
        (code >= 48 && code <= 57) ||
        code === 46 ||
        code === 43 ||
        code === 45 ||
        code === 101 ||
        code === 69
      )
    ) {
      return undefined;
    }
  }
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** Converts a Prometheus API timestamp (float seconds) to integer milliseconds. */
export function secondsToMilliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Converts a user-supplied time (Date or ms since the epoch) to the API's float-seconds string. */
export function formatApiTime(time: Date | number, option: string): string {
  const milliseconds = time instanceof Date ? time.getTime() : time;
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds)) {
    throw new PromptheusError(
      'invalid_input',
      `${option} must be a valid Date or a finite number of milliseconds since the epoch`,
    );
  }
  return String(milliseconds / 1000);
}
