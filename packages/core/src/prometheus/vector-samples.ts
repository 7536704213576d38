import type { Sample } from '../model/sample.js';
import { formatSeries } from '../model/sample.js';
import { decodeQueryData, parseEnvelope, type ResponseContext, shapeError } from './response.js';
import type { SeriesLabels } from './types.js';
import { parseSampleValue } from './values.js';

/** Samples decoded from an instant-query answer, with Prometheus's warnings. */
export interface DecodedSamples {
  readonly samples: Sample[];
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

const vectorPrefix = '{"status":"success","data":{"resultType":"vector","result":[';
const metricOpen = '{"metric":{';
const valueOpen = ',"value":[';
const metricClose = '},"value":[';
const defaultContext: ResponseContext = { url: 'Prometheus', endpoint: '/api/v1/query', status: 200 };
const powersOfTen = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const labelValueEscapes = /[\\"\n]/g;
const escapeLabelValue = (value: string) =>
  value.replace(labelValueEscapes, (character) => (character === '\n' ? '\\n' : `\\${character}`));

/** Index of the closing quote of the JSON string whose content starts at `start`, or -1. */
function endOfJsonString(text: string, start: number): number {
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 92 /* \ */) index++;
    else if (code === 34 /* " */) return index;
  }
  return -1;
}

/**
 * Parses the number between `start` and `end` exactly like `Number()` for plain decimals with at
 * most 15 significant digits (an integer mantissa divided by an exact power of ten is correctly
 * rounded); everything else goes through {@link parseSampleValue}.
 */
function parseValue(text: string, start: number, end: number): number | undefined {
  let index = start;
  let negative = false;
  let code = text.charCodeAt(index);
  if (code === 45 /* - */) {
    negative = true;
    code = text.charCodeAt(++index);
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; index < end; code = text.charCodeAt(++index)) {
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (code === 46 /* . */ && fractionDigits < 0) {
      fractionDigits = 0;
    } else {
      return parseSampleValue(text.slice(start, end));
    }
  }
  if (digits === 0 || digits > 15 || fractionDigits === 0) return parseSampleValue(text.slice(start, end));
  const value = fractionDigits > 0 ? mantissa / powersOfTen[fractionDigits]! : mantissa;
  return negative ? -value : value;
}

/** What the decoder remembers about one series between answers. */
interface SeriesEntry {
  /** The raw text from `{"metric":{` through `,"value":[`, copied out of the answer. */
  readonly raw: string;
  readonly seriesId: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Generation (decode call) that last saw the series. */
  seen: number;
  /** Position of the series in the answer of that generation. */
  order: number;
}

interface DecoderState {
  readonly target: string;
  readonly idPrefix: string;
  /**
   * Known series by raw text, built only when an answer differs from the previous one (a new,
   * missing or moved series); a steady answer is matched position by position without it.
   */
  index: Map<string, SeriesEntry> | undefined;
  /** Series of the last successful answer, in answer order. */
  previous: SeriesEntry[];
  /** Interned label names and values, so cached series do not keep whole answers alive. */
  readonly strings: Map<string, string>;
  /** Label names and (escape-free) values of the last decoded series, by position. */
  readonly lastNames: string[];
  readonly lastValues: string[];
  generation: number;
}

const maxInternedStrings = 500_000;

function createState(target: string): DecoderState {
  return {
    target,
    idPrefix: target ? `${target}|` : '',
    index: undefined,
    previous: [],
    strings: new Map(),
    lastNames: [],
    lastValues: [],
    generation: 0,
  };
}

/** A copy of `value` that shares no memory with the (large) string it was sliced from. */
function detach(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

function intern(state: DecoderState, value: string): string {
  const known = state.strings.get(value);
  if (known !== undefined) return known;
  if (state.strings.size >= maxInternedStrings) state.strings.clear();
  const copy = detach(value);
  state.strings.set(copy, copy);
  return copy;
}

/**
 * Decodes the metric object starting at `position` (at `{"metric":{`) and returns its entry,
 * or `undefined` when the text is not in the expected shape.
 */
function decodeSeries(
  text: string,
  position: number,
  state: DecoderState,
  nextBackslash: number,
): SeriesEntry | undefined {
  const start = position;
  position += metricOpen.length;
  let metric = '';
  let labelText = '';
  let previousName = '';
  let ordered = true;
  let labelCount = 0;
  const labels: Record<string, string> = {};
  const { lastNames, lastValues } = state;
  if (text.charCodeAt(position) === 125 /* } */) position++;
  else {
    for (let index = 0; ; index++) {
      if (text.charCodeAt(position) !== 34) return undefined;
      const nameStart = position + 1;
      // Neighbouring series mostly share label names and many values: compare with the
      // previous series first, which needs neither a copy nor a hash.
      let name = lastNames[index];
      let nameEnd: number;
      if (
        name !== undefined &&
        text.charCodeAt(nameStart + name.length) === 34 &&
        text.startsWith(name, nameStart)
      ) {
        nameEnd = nameStart + name.length;
      } else {
        nameEnd = text.indexOf('"', nameStart);
        if (nameEnd < 0) return undefined;
        const rawName = text.slice(nameStart, nameEnd);
        if (rawName === '__proto__' || rawName.includes('\\')) return undefined;
        name = intern(state, rawName);
        lastNames[index] = name;
      }
      if (text.charCodeAt(nameEnd + 1) !== 58 /* : */ || text.charCodeAt(nameEnd + 2) !== 34)
        return undefined;
      const valueStart = nameEnd + 3;
      let value = lastValues[index];
      let idValue: string;
      let valueEnd: number;
      if (
        value !== undefined &&
        text.charCodeAt(valueStart + value.length) === 34 &&
        text.startsWith(value, valueStart)
      ) {
        valueEnd = valueStart + value.length;
        idValue = value;
      } else {
        // Before the next backslash, the next quote ends the string.
        valueEnd = text.indexOf('"', valueStart);
        const escaped = valueEnd > nextBackslash;
        if (escaped) valueEnd = endOfJsonString(text, valueStart);
        if (valueEnd < 0) return undefined;
        const rawValue = text.slice(valueStart, valueEnd);
        if (!escaped) {
          // Short slices are copies already; longer ones are interned (and copied once).
          value = rawValue.length < 13 ? rawValue : intern(state, rawValue);
          idValue = value;
          lastValues[index] = value;
        } else {
          try {
            value = intern(state, JSON.parse(`"${rawValue}"`) as string);
          } catch {
            return undefined;
          }
          idValue = escapeLabelValue(value);
        }
      }
      position = valueEnd + 1;
      if (name === '__name__') metric = value;
      else {
        if (labelCount > 0) {
          labelText += ',';
          if (!(name > previousName)) ordered = false;
        }
        labelText += name + '="' + idValue + '"';
        labels[name] = value;
        previousName = name;
        labelCount++;
      }
      const next = text.charCodeAt(position++);
      if (next === 44 /* , */) continue;
      if (next === 125 /* } */) break;
      return undefined;
    }
  }
  if (!text.startsWith(valueOpen, position)) return undefined;
  position += valueOpen.length;
  const id =
    labelCount === 0
      ? state.idPrefix + metric
      : ordered
        ? state.idPrefix + metric + '{' + labelText + '}'
        : state.idPrefix + formatSeries(metric, labels);
  return {
    raw: detach(text.slice(start, position)),
    seriesId: detach(id),
    metric,
    labels,
    seen: 0,
    order: 0,
  };
}

/**
 * Scans the raw text of an instant-query answer with a vector result (the shape Prometheus
 * writes: compact JSON, labels sorted by name) straight into samples, without building the JSON
 * tree. Series seen in earlier answers are recognised by their raw text and reuse their identity
 * (series id, labels object), so a steady set of series costs little more than reading the
 * values. Returns `undefined` as soon as anything differs from the expected shape.
 */
function seriesIndex(state: DecoderState): Map<string, SeriesEntry> {
  if (state.index === undefined) {
    const index = new Map<string, SeriesEntry>();
    for (const entry of state.previous) index.set(entry.raw, entry);
    state.index = index;
  }
  return state.index;
}

function scan(text: string, state: DecoderState): DecodedSamples | undefined {
  if (!text.startsWith(vectorPrefix)) return undefined;
  const length = text.length;
  const target = state.target;
  const previous = state.previous;
  const generation = ++state.generation;
  const current: SeriesEntry[] = [];
  const samples: Sample[] = [];
  let cursor = 0;
  let position = vectorPrefix.length;
  let nextBackslash = text.indexOf('\\', position);
  if (nextBackslash < 0) nextBackslash = length;

  if (text.charCodeAt(position) === 93 /* ] */) position++;
  else {
    for (;;) {
      let entry = previous[cursor];
      // Comparing a substring is several times faster than startsWith(raw, position) in V8.
      if (entry !== undefined && text.substring(position, position + entry.raw.length) === entry.raw)
        cursor++;
      else {
        entry = undefined;
        if (!text.startsWith(metricOpen, position)) return undefined;
        // Without backslashes, the first `},"value":[` ends the metric object.
        const end = text.indexOf(metricClose, position + metricOpen.length - 1);
        if (previous.length > 0 && end > 0 && end < nextBackslash) {
          entry = seriesIndex(state).get(text.slice(position, end + metricClose.length));
        }
        if (entry !== undefined) {
          if (entry.seen === generation - 1) cursor = entry.order + 1;
        } else {
          const decoded = decodeSeries(text, position, state, nextBackslash);
          if (decoded === undefined) return undefined;
          entry = previous.length > 0 ? seriesIndex(state).get(decoded.raw) : undefined;
          if (entry === undefined) {
            entry = decoded;
            state.index?.set(entry.raw, entry);
          }
        }
      }
      position += entry.raw.length;
      if (nextBackslash < position) {
        nextBackslash = text.indexOf('\\', position);
        if (nextBackslash < 0) nextBackslash = length;
      }
      entry.seen = generation;
      entry.order = current.length;
      current.push(entry);

      // Timestamp: float seconds with at most three decimals, as Prometheus writes it.
      const timeStart = position;
      let seconds = 0;
      let code = text.charCodeAt(position);
      while (code >= 48 && code <= 57) {
        seconds = seconds * 10 + (code - 48);
        code = text.charCodeAt(++position);
      }
      const integerDigits = position - timeStart;
      if (integerDigits === 0 || integerDigits > 12) return undefined;
      let timestamp = seconds * 1000;
      if (code === 46 /* . */) {
        const fractionStart = position + 1;
        let fraction = 0;
        code = text.charCodeAt(++position);
        while (code >= 48 && code <= 57) {
          fraction = fraction * 10 + (code - 48);
          code = text.charCodeAt(++position);
        }
        const fractionDigits = position - fractionStart;
        if (fractionDigits === 0) return undefined;
        if (fractionDigits <= 3) timestamp += fraction * powersOfTen[3 - fractionDigits]!;
        else timestamp = Math.round(Number(text.slice(timeStart, position)) * 1000);
      }
      if (code !== 44 /* , */ || text.charCodeAt(position + 1) !== 34) return undefined;

      const sampleStart = position + 2;
      const sampleEnd = text.indexOf('"', sampleStart);
      if (sampleEnd < 0 || sampleEnd > nextBackslash) return undefined;
      const value = parseValue(text, sampleStart, sampleEnd);
      if (value === undefined) return undefined;
      if (text.charCodeAt(sampleEnd + 1) !== 93 /* ] */ || text.charCodeAt(sampleEnd + 2) !== 125 /* } */) {
        return undefined;
      }
      position = sampleEnd + 3;
      samples.push({
        seriesId: entry.seriesId,
        metric: entry.metric,
        labels: entry.labels,
        value,
        timestamp,
        target,
      });

      const separator = text.charCodeAt(position++);
      if (separator === 44 /* , */) continue;
      if (separator === 93 /* ] */) break;
      return undefined;
    }
  }

  // What follows the result array: `}}`, or more members such as warnings.
  let warnings: string[] = [];
  let infos: string[] = [];
  if (length - position !== 2 || text.charCodeAt(position) !== 125 || text.charCodeAt(position + 1) !== 125) {
    let tail: { warnings?: unknown; infos?: unknown; status?: unknown };
    try {
      tail = JSON.parse(`{"d":{"r":[]${text.slice(position)}`) as typeof tail;
    } catch {
      return undefined;
    }
    const tailWarnings = tail.warnings ?? [];
    const tailInfos = tail.infos ?? [];
    if (!isStrings(tailWarnings) || !isStrings(tailInfos) || tail.status !== undefined) return undefined;
    warnings = tailWarnings;
    infos = tailInfos;
  }

  state.previous = current;
  const index = state.index;
  if (index !== undefined && index.size > current.length + (current.length >> 2) + 1024) {
    for (const [raw, entry] of index) if (entry.seen !== generation) index.delete(raw);
  }
  return { samples, warnings, infos };
}

/**
 * Decodes instant-query answers of one target into samples, remembering the series it has seen
 * so that the next answer with the same series decodes several times faster (the samples share
 * their `seriesId` strings and `labels` objects with it, about 400 bytes per series). Use one
 * decoder per target and query, as the source does. Each `decode` call is synchronous, so
 * concurrent collections cannot interleave inside it.
 */
export interface VectorDecoder {
  /**
   * Decodes one answer: the fast scan first, the safe JSON parser (full validation, typed errors)
   * when the fast scan meets anything unexpected. Both produce the same samples.
   *
   * @throws PromptheusError `prometheus` for error answers, `bad_response` for anything that is
   *   not a vector answer
   */
  decode(text: string, context?: ResponseContext): DecodedSamples;
  /** Number of series remembered. */
  readonly size: number;
  /** Forgets every remembered series. */
  clear(): void;
}

/** Options of {@link createVectorDecoder}. */
export interface VectorDecoderOptions {
  /** Target name stamped on every sample and used in its series id. */
  readonly target: string;
}

/**
 * Creates a decoder for the instant-query answers of one target.
 *
 * @example
 * ```ts
 * const decoder = createVectorDecoder({ target: 'main' });
 * const text = await (await fetch(`${url}/api/v1/query?query=up`)).text();
 * const { samples } = decoder.decode(text);
 * ```
 */
export function createVectorDecoder(options: VectorDecoderOptions): VectorDecoder {
  let state = createState(options.target);
  return {
    decode(text, context = defaultContext) {
      if (context.status >= 200 && context.status < 300) {
        const fast = scan(text, state);
        if (fast) return fast;
      }
      return decodeVectorSamplesSafely(text, options.target, context);
    },
    get size() {
      return state.index?.size ?? state.previous.length;
    },
    clear() {
      state = createState(options.target);
    },
  };
}

/**
 * The fast scan alone, without memory of earlier answers: samples, or `undefined` when the text
 * is not in the exact shape Prometheus writes (the caller then uses the safe parser).
 */
export function scanVectorSamples(text: string, target: string): DecodedSamples | undefined {
  return scan(text, createState(target));
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

const needsEscape = /[\\"\n]/;

/**
 * Converts one series of a vector answer into a {@link Sample}; the series id is built in the
 * same pass (equal to `seriesId(metric, labels, target)`).
 */
export function toSample(metric: SeriesLabels, value: number, timestamp: number, target: string): Sample {
  let name = '';
  const labels: Record<string, string> = {};
  let text = '';
  let previous = '';
  let ordered = true;
  let count = 0;
  for (const key in metric) {
    const labelValue = metric[key]!;
    if (key === '__name__') {
      name = labelValue;
      continue;
    }
    if (key === '__proto__') {
      Object.defineProperty(labels, key, {
        value: labelValue,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else labels[key] = labelValue;
    if (count > 0) {
      text += ',';
      if (!(key > previous)) ordered = false;
    }
    text += key + '="' + (needsEscape.test(labelValue) ? escapeLabelValue(labelValue) : labelValue) + '"';
    previous = key;
    count++;
  }
  const series = count === 0 ? name : ordered ? name + '{' + text + '}' : formatSeries(name, labels);
  return {
    seriesId: target ? target + '|' + series : series,
    metric: name,
    labels,
    value,
    timestamp,
    target,
  };
}

/**
 * Decodes the answer of an instant query into samples: the fast scan first, the safe JSON parser
 * (full validation, typed errors) when the fast scan meets anything unexpected. Both produce the
 * same samples; `seriesId` is `seriesId(metric, labels, target)`.
 *
 * @param text - the raw body of `/api/v1/query`
 * @param target - target name stamped on every sample and used in its series id
 * @param context - where the answer came from, for error messages
 * @throws PromptheusError `prometheus` for error answers, `bad_response` for anything that is not
 *   a vector answer
 *
 * @example
 * ```ts
 * const text = await (await fetch(`${url}/api/v1/query?query=up`)).text();
 * const { samples } = decodeVectorSamples(text, 'main');
 * ```
 */
export function decodeVectorSamples(
  text: string,
  target: string,
  context: ResponseContext = defaultContext,
): DecodedSamples {
  if (context.status >= 200 && context.status < 300) {
    const fast = scanVectorSamples(text, target);
    if (fast) return fast;
  }
  return decodeVectorSamplesSafely(text, target, context);
}

/** The safe path of {@link decodeVectorSamples}: `JSON.parse` and full validation. */
export function decodeVectorSamplesSafely(
  text: string,
  target: string,
  context: ResponseContext = defaultContext,
): DecodedSamples {
  const envelope = parseEnvelope(text, context);
  const { data, omittedHistograms } = decodeQueryData(envelope.data, context);
  if (data.resultType !== 'vector') {
    throw shapeError(context, `expected a vector result, got ${data.resultType}`);
  }
  const samples: Sample[] = new Array(data.result.length);
  for (let index = 0; index < data.result.length; index++) {
    const series = data.result[index]!;
    samples[index] = toSample(series.metric, series.value.value, series.value.timestamp, target);
  }
  const warnings =
    omittedHistograms > 0
      ? [...envelope.warnings, `${omittedHistograms} native histogram samples were left out`]
      : envelope.warnings;
  return { samples, warnings, infos: envelope.infos };
}
