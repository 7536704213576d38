// Numbers and relative times read like the page's English text; dates use the reader's locale.
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const precise = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

function number(value: number): string {
  const size = Math.abs(value);
  if (size >= 1e6) return compact.format(value);
  if (size !== 0 && size < 1) return precise.format(value);
  return plain.format(value);
}

const byteSteps = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Formats a value with its display unit: `93.5%`, `1.2 GiB`, `350 ms`, `12.3 /s`. */
export function formatValue(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '+∞' : '−∞';
  switch (unit) {
    case '':
      return number(value);
    case '%':
      return `${number(value)}%`;
    case 'ratio':
      return `${number(value * 100)}%`;
    case 'bytes':
    case 'bytes/s': {
      let scaled = value;
      let step = 0;
      while (Math.abs(scaled) >= 1024 && step < byteSteps.length - 1) {
        scaled /= 1024;
        step++;
      }
      return `${number(scaled)} ${byteSteps[step]}${unit === 'bytes/s' ? '/s' : ''}`;
    }
    case 's':
      if (Math.abs(value) < 1 && value !== 0) return `${number(value * 1000)} ms`;
      return `${number(value)} s`;
    default:
      return `${number(value)} ${unit}`;
  }
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "5 minutes ago", "in 2 hours". */
export function formatRelative(timestamp: number, now = Date.now()): string {
  const seconds = Math.round((timestamp - now) / 1000);
  const size = Math.abs(seconds);
  if (size < 10) return 'just now';
  if (size < 60) return relative.format(seconds, 'second');
  if (size < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (size < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

const clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A full local date and time, for tooltips and `<time>` titles. */
export function formatDateTime(timestamp: number): string {
  return clock.format(new Date(timestamp));
}

/** `{instance="server1", job="node"}` without `__name__`. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .filter((name) => name !== '__name__')
    .sort()
    .map((name) => `${name}="${labels[name]}"`);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '';
}

/** A series name from a legend template (`{{instance}}`), else from its labels. */
export function seriesName(
  labels: Readonly<Record<string, string>>,
  legend: string,
  fallback: string,
): string {
  if (legend.trim() !== '') {
    const filled = legend.replace(
      /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g,
      (_, name: string) => labels[name] ?? '',
    );
    if (filled.trim() !== '') return filled.trim();
  }
  const name = labels['__name__'] ?? '';
  const rest = formatLabels(labels);
  return name + rest || fallback;
}

/** Milliseconds as `42 ms` or `1.3 s`. */
export function formatLatency(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}
