/**
 * Numerical helpers shared by the built-in detectors: Gaussian tails computed in log space (so
 * far-out tails keep their resolution) and the map from surprise to an anomaly score in [0, 1).
 */

const LOG_SQRT_PI = 0.5723649429247001;
const EPSILON = 1e-16;
const TINY = 1e-300;

/**
 * Natural log of the complementary error function, `ln(erfc(x))`, accurate to about 1e-15 for
 * every finite `x` and without underflow in the far tail (`ln(erfc(40))` is about -1604.9).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  const t = x * x;
  if (t === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (t < 1.5) {
    // Regularised lower incomplete gamma P(1/2, t) by its series; erfc = 1 - P.
    if (t === 0) return 0;
    let term = 2;
    let sum = 2;
    for (let a = 0.5; a < 500; ) {
      a += 1;
      term *= t / a;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    const lower = sum * Math.exp(-t + 0.5 * Math.log(t) - LOG_SQRT_PI);
    return Math.log1p(-lower);
  }
  // Upper incomplete gamma Q(1/2, t) by its continued fraction (modified Lentz).
  let b = t + 0.5;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let index = 1; index < 500; index++) {
    const an = -index * (index - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return -t + 0.5 * Math.log(t) - LOG_SQRT_PI + Math.log(h);
}

/** Upper tail of the standard normal distribution, `P(Z > z)`. */
export function gaussianTail(z: number): number {
  return 0.5 * Math.exp(logErfc(z / Math.SQRT2));
}

/**
 * Surprise of a deviation of `z` standard deviations in either direction, in nats:
 * `-ln P(|Z| >= |z|)`. 0 at `z = 0`, about 5.9 at `|z| = 3`, grows like `z² / 2`.
 */
export function gaussianSurprise(z: number): number {
  if (Number.isNaN(z)) return 0;
  const surprise = -logErfc(Math.abs(z) / Math.SQRT2);
  return Math.max(surprise, 0);
}

/** Surprise (nats) of a 3-sigma deviation; it maps to the score 0.5. */
const REFERENCE_SURPRISE = gaussianSurprise(3);
const REFERENCE_COMPRESSED = Math.log1p(REFERENCE_SURPRISE);
const LARGEST_COMPRESSED = Math.log1p(Number.MAX_VALUE);

/**
 * Maps a surprise in nats (`-ln` of a tail probability, 0 = nothing unusual) to an anomaly score
 * in [0, 1): 0 for no surprise, 0.5 for the surprise of a 3-sigma Gaussian deviation, and strictly
 * increasing towards 1 without ever reaching it, so that far-out tails keep distinct scores.
 */
export function surpriseToScore(surprise: number): number {
  if (!(surprise > 0)) return 0;
  const compressed = surprise === Number.POSITIVE_INFINITY ? LARGEST_COMPRESSED : Math.log1p(surprise);
  return compressed / (compressed + REFERENCE_COMPRESSED);
}

/** The surprise (nats) that {@link surpriseToScore} maps to `score`; inverse of it on [0, 1). */
export function scoreToSurprise(score: number): number {
  if (!(score > 0)) return 0;
  if (score >= 1) return Number.POSITIVE_INFINITY;
  return Math.expm1((score * REFERENCE_COMPRESSED) / (1 - score));
}
