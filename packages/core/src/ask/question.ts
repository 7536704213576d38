import { stem, type Word } from './text.js';

/** A token of a question: a word, a number, a symbol (`%`, `/`, `>`, `-`) or punctuation. */
export interface Token extends Word {
  readonly kind: 'word' | 'number' | 'symbol' | 'punct';
}

const numberWords: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  sixty: 60,
};

/** A time unit right after a glued slash, ending the word (`/s`, `/sec`, `/min`, `/hour`). */
const perUnitAfterSlash = /^(s|sec|secs|second|m|min|mins|minute|h|hr|hour|d|day)\b(?![/.-]\w)/;

const slashFollowers = new Set(['in', 'on', 'at', 'for', 'of', 'with', 'and', 'or', 'is', 'right', 'now']);

/**
 * Splits a question into tokens. Hyphens and slashes inside words separate words (`sports-1`,
 * `/v1/search`); spaced ones are symbols (`a - b`, `a / b`). Numbers glued to units are split
 * (`5m` → `5`, `m`; `20%` → `20`, `%`).
 */
export function tokenize(question: string): Token[] {
  const tokens: Token[] = [];
  const push = (text: string, kind: Token['kind']) =>
    tokens.push({ text, stem: kind === 'word' ? stem(text) : text, index: tokens.length, kind });
  const pattern =
    /(\d+(?:\.\d+)?(?:e\d+)?)(?=ms\b|s\b|m\b|h\b|d\b|w\b|gb\b|gib\b|mb\b|mib\b|tb\b|tib\b|kb\b|%|x\b)|[a-z0-9]+(?:\.[0-9]+)*|>=|<=|!=|==|[%/<>=*+-]|[(),:;?!]/g;
  const text = question
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .replace(/[’']/g, '');
  for (const match of text.matchAll(pattern)) {
    const value = match[0];
    const start = match.index;
    if (/^\d+(\.\d+)?(e\d+)?$/.test(value)) push(value, 'number');
    else if (/^[a-z0-9]/.test(value)) push(value, 'word');
    else if (value === '-' || value === '/') {
      const before = text[start - 1] ?? ' ';
      const after = text[start + 1] ?? ' ';
      // glued between characters it joins words; spaced (or at the start) it is an operator
      if (/\s/.test(before) && /\s/.test(after)) {
        // "free space on / in GB": a lone slash before a function word is the root path
        const following = /^\s*([a-z0-9]+|$)/.exec(text.slice(start + 1))?.[1] ?? '';
        if (value === '/' && (following === '' || slashFollowers.has(following))) push(value, 'word');
        else push(value, 'symbol');
      } else if (value === '/' && /\s/.test(before) && /[a-z]/.test(after)) continue;
      else if (value === '/' && /[a-z0-9]/.test(before) && perUnitAfterSlash.test(text.slice(start + 1)))
        push(value, 'symbol'); // "req/s", "MB/s", "messages/sec": a rate unit
      else if (/[a-z0-9]/.test(before) && /[a-z0-9]/.test(after)) continue;
      else if (value === '/' && /[a-z0-9]/.test(before) && /\s/.test(after)) push(value, 'symbol');
    } else if (/^[(),:;?!]$/.test(value)) push(value, 'punct');
    else push(value, 'symbol');
  }
  return tokens;
}

/** A number spelled in digits or words (`5`, `five`, `an`). */
export function numberOf(token: Token | undefined): number | null {
  if (!token) return null;
  if (token.kind === 'number') return Number(token.text);
  return numberWords[token.text] ?? null;
}

/** Seconds in a time unit word (`minutes` → 60, `h` → 3600), or null. */
export function timeUnitSeconds(word: string | undefined): number | null {
  switch (word) {
    case 's':
    case 'sec':
    case 'secs':
    case 'second':
    case 'seconds':
      return 1;
    case 'm':
    case 'min':
    case 'mins':
    case 'minute':
    case 'minutes':
      return 60;
    case 'h':
    case 'hr':
    case 'hrs':
    case 'hour':
    case 'hours':
      return 3600;
    case 'd':
    case 'day':
    case 'days':
      return 86400;
    case 'w':
    case 'week':
    case 'weeks':
      return 604800;
    case 'ms':
    case 'millisecond':
    case 'milliseconds':
      return 0.001;
    default:
      return null;
  }
}

/** A unit a question asks the answer in. */
export interface OutputUnit {
  readonly kind: 'percent' | 'time' | 'bytes' | 'bits' | 'count';
  /** Name for display: `%`, `ms`, `GB`, `Gbps`, ... */
  readonly label: string;
  /** Base units (seconds, bytes, bits/s) per one of this unit: ms → 0.001, GB → 1e9, GiB → 1024^3. */
  readonly size: number;
  /** How to write the size in PromQL (`1e9`, `1024^3`). */
  readonly literal: string;
}

const byteUnits: Readonly<Record<string, OutputUnit>> = {
  kb: { kind: 'bytes', label: 'KB', size: 1e3, literal: '1e3' },
  kilobytes: { kind: 'bytes', label: 'KB', size: 1e3, literal: '1e3' },
  kib: { kind: 'bytes', label: 'KiB', size: 1024, literal: '1024' },
  mb: { kind: 'bytes', label: 'MB', size: 1e6, literal: '1e6' },
  megabytes: { kind: 'bytes', label: 'MB', size: 1e6, literal: '1e6' },
  mib: { kind: 'bytes', label: 'MiB', size: 1024 ** 2, literal: '1024^2' },
  gb: { kind: 'bytes', label: 'GB', size: 1e9, literal: '1e9' },
  gigabytes: { kind: 'bytes', label: 'GB', size: 1e9, literal: '1e9' },
  gig: { kind: 'bytes', label: 'GB', size: 1e9, literal: '1e9' },
  gigs: { kind: 'bytes', label: 'GB', size: 1e9, literal: '1e9' },
  gib: { kind: 'bytes', label: 'GiB', size: 1024 ** 3, literal: '1024^3' },
  tb: { kind: 'bytes', label: 'TB', size: 1e12, literal: '1e12' },
  terabytes: { kind: 'bytes', label: 'TB', size: 1e12, literal: '1e12' },
  tib: { kind: 'bytes', label: 'TiB', size: 1024 ** 4, literal: '1024^4' },
  gbps: { kind: 'bits', label: 'Gbps', size: 1e9, literal: '1e9' },
  gbit: { kind: 'bits', label: 'Gbps', size: 1e9, literal: '1e9' },
  gigabits: { kind: 'bits', label: 'Gbps', size: 1e9, literal: '1e9' },
  mbps: { kind: 'bits', label: 'Mbps', size: 1e6, literal: '1e6' },
  mbit: { kind: 'bits', label: 'Mbps', size: 1e6, literal: '1e6' },
  megabits: { kind: 'bits', label: 'Mbps', size: 1e6, literal: '1e6' },
  kbps: { kind: 'bits', label: 'Kbps', size: 1e3, literal: '1e3' },
  tbps: { kind: 'bits', label: 'Tbps', size: 1e12, literal: '1e12' },
};

const timeUnits: Readonly<Record<string, OutputUnit>> = {
  ms: { kind: 'time', label: 'ms', size: 0.001, literal: '1000' },
  millisecond: { kind: 'time', label: 'ms', size: 0.001, literal: '1000' },
  milliseconds: { kind: 'time', label: 'ms', size: 0.001, literal: '1000' },
  msec: { kind: 'time', label: 'ms', size: 0.001, literal: '1000' },
  s: { kind: 'time', label: 's', size: 1, literal: '1' },
  sec: { kind: 'time', label: 's', size: 1, literal: '1' },
  secs: { kind: 'time', label: 's', size: 1, literal: '1' },
  second: { kind: 'time', label: 's', size: 1, literal: '1' },
  seconds: { kind: 'time', label: 's', size: 1, literal: '1' },
  minute: { kind: 'time', label: 'min', size: 60, literal: '60' },
  minutes: { kind: 'time', label: 'min', size: 60, literal: '60' },
  min: { kind: 'time', label: 'min', size: 60, literal: '60' },
  mins: { kind: 'time', label: 'min', size: 60, literal: '60' },
  hour: { kind: 'time', label: 'h', size: 3600, literal: '3600' },
  hours: { kind: 'time', label: 'h', size: 3600, literal: '3600' },
  day: { kind: 'time', label: 'd', size: 86400, literal: '86400' },
  days: { kind: 'time', label: 'd', size: 86400, literal: '86400' },
  week: { kind: 'time', label: 'w', size: 604800, literal: '604800' },
  weeks: { kind: 'time', label: 'w', size: 604800, literal: '604800' },
};

/** Percent as an output unit. */
export const percentUnit: OutputUnit = { kind: 'percent', label: '%', size: 0.01, literal: '100' };

/** A byte or bit unit named by a word (`gb`, `GiB`, `gbps`), or null. */
export function byteUnit(word: string | undefined): OutputUnit | null {
  return (word && byteUnits[word]) || null;
}

/** A time unit for answers (`ms`, `minutes`), or null. */
export function timeUnit(word: string | undefined): OutputUnit | null {
  return (word && timeUnits[word]) || null;
}
