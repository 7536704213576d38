/**
 * Reading and writing NAB corpora: data files (`timestamp,value`), result files
 * (`timestamp,value,anomaly_score`) and label windows.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One NAB data or result file, rows in file order. */
export interface NabFile {
  /** `<category>/<file name>`, the key used by NAB's label files. */
  readonly key: string;
  readonly category: string;
  readonly name: string;
  /** Timestamp and value exactly as written in the file. */
  readonly rawTimestamps: readonly string[];
  readonly rawValues: readonly string[];
  /** Timestamps in milliseconds since the epoch (UTC); NaN when unparseable. */
  readonly timestamps: Float64Array;
  /** Values; NaN when not a number. */
  readonly values: Float64Array;
  /** Anomaly scores, for result files only. */
  readonly scores?: Float64Array;
}

/** Anomaly windows per file key, as `[startMs, endMs]` pairs in time order. */
export type NabWindows = ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;

const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/;

/**
 * Parses a NAB timestamp (`YYYY-MM-DD HH:MM:SS`, optionally with fractional seconds) as UTC.
 * Returns NaN for anything else.
 */
export function parseNabTimestamp(text: string): number {
  const match = timestampPattern.exec(text.trim());
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second, fraction] = match;
  const milliseconds = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  return Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
    milliseconds,
  );
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/** Parses the text of a data file (`timestamp,value`) or a result file (`timestamp,value,anomaly_score`). */
export function parseNabCsv(text: string, key: string): NabFile {
  const lines = splitLines(text);
  const header = (lines[0] ?? '').split(',').map((column) => column.trim());
  const timestampColumn = header.indexOf('timestamp');
  const valueColumn = header.indexOf('value');
  const scoreColumn = header.indexOf('anomaly_score');
  if (timestampColumn < 0 || valueColumn < 0) {
    throw new Error(`${key}: expected a header with "timestamp" and "value", got "${lines[0] ?? ''}"`);
  }
  const rows = lines.length - 1;
  const rawTimestamps: string[] = new Array(rows);
  const rawValues: string[] = new Array(rows);
  const timestamps = new Float64Array(rows);
  const values = new Float64Array(rows);
  const scores = scoreColumn >= 0 ? new Float64Array(rows) : undefined;
  for (let row = 0; row < rows; row++) {
    const cells = lines[row + 1]!.split(',');
    const rawTimestamp = cells[timestampColumn] ?? '';
    const rawValue = cells[valueColumn] ?? '';
    rawTimestamps[row] = rawTimestamp;
    rawValues[row] = rawValue;
    timestamps[row] = parseNabTimestamp(rawTimestamp);
    values[row] = rawValue.trim() === '' ? Number.NaN : Number(rawValue);
    if (scores) scores[row] = Number(cells[scoreColumn] ?? Number.NaN);
  }
  const slash = key.indexOf('/');
  return {
    key,
    category: slash >= 0 ? key.slice(0, slash) : '',
    name: slash >= 0 ? key.slice(slash + 1) : key,
    rawTimestamps,
    rawValues,
    timestamps,
    values,
    ...(scores ? { scores } : {}),
  };
}

/** Lists `<category>/<file>.csv` keys under a directory holding NAB category folders, sorted. */
export function listNabFiles(directory: string): string[] {
  const keys: string[] = [];
  for (const category of readdirSync(directory).sort()) {
    const categoryPath = join(directory, category);
    if (!statSync(categoryPath).isDirectory()) continue;
    for (const name of readdirSync(categoryPath).sort()) {
      if (name.endsWith('.csv')) keys.push(`${category}/${name}`);
    }
  }
  return keys;
}

/** Reads every CSV of a NAB-style directory (`<dir>/<category>/<file>.csv`). */
export function readNabDirectory(directory: string): NabFile[] {
  return listNabFiles(directory).map((key) => parseNabCsv(readFileSync(join(directory, key), 'utf8'), key));
}

/** Parses NAB's `combined_windows.json` (`{"<category>/<file>.csv": [[start, end], ...]}`). */
export function parseNabWindows(text: string): NabWindows {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('labels: expected an object mapping file names to window lists');
  }
  const windows = new Map<string, Array<readonly [number, number]>>();
  for (const [key, list] of Object.entries(parsed)) {
    if (!Array.isArray(list)) throw new Error(`labels: ${key} is not a list of windows`);
    const parsedList = list.map((window: unknown, index) => {
      if (!Array.isArray(window) || window.length !== 2) {
        throw new Error(`labels: window ${index} of ${key} is not a [start, end] pair`);
      }
      const start = parseNabTimestamp(String(window[0]));
      const end = parseNabTimestamp(String(window[1]));
      if (Number.isNaN(start) || Number.isNaN(end)) {
        throw new Error(`labels: window ${index} of ${key} has an unparseable timestamp`);
      }
      return [start, end] as const;
    });
    parsedList.sort((a, b) => a[0] - b[0]);
    windows.set(key, parsedList);
  }
  return windows;
}

/** Reads a NAB label-windows file. */
export function readNabWindows(path: string): NabWindows {
  return parseNabWindows(readFileSync(path, 'utf8'));
}
