/** Renders a number for a human reason: at most 4 significant digits, no exponent for everyday sizes. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e15 || magnitude < 1e-4) return value.toExponential(3).replace(/\.?0+e/, 'e');
  if (Number.isInteger(value)) return String(value);
  const text = value.toPrecision(4);
  return text.includes('e') ? String(Number(text)) : text.replace(/\.?0+$/, '');
}

/** A finite number for evidence, or null (JSON cannot carry NaN or infinities). */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
