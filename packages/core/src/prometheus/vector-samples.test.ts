import { describe, expect, it } from 'vitest';
import { PromptheusError } from '../errors.js';
import { seriesId } from '../model/sample.js';
import { parseSampleValue } from './values.js';
import {
  createVectorDecoder,
  decodeVectorSamples,
  decodeVectorSamplesSafely,
  scanVectorSamples,
} from './vector-samples.js';

type Labels = Record<string, string>;

/** Writes labels the way Prometheus (Go's encoding/json) does: sorted keys, `<`, `>`, `&` escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sortedLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function answer(
  series: ReadonlyArray<{ labels: Labels; value: string; time?: string }>,
  tail = '',
  sort = true,
): string {
  const items = series.map(
    ({ labels, value, time = '1763766000.123' }) =>
      `{"metric":${goJson(sort ? sortedLabels(labels) : labels)},"value":[${time},${goJson(value)}]}`,
  );
  return `{"status":"success","data":{"resultType":"vector","result":[${items.join(',')}]}${tail}}`;
}

/** Decodes with the fast scan (which must accept the text) and the safe parser, and compares. */
function expectSameSamples(text: string, target = 'main') {
  const fast = scanVectorSamples(text, target);
  expect(fast, 'the fast scan should accept this answer').toBeDefined();
  const safe = decodeVectorSamplesSafely(text, target);
  expect(fast).toEqual(safe);
  for (const sample of safe.samples) {
    expect(sample.seriesId).toBe(seriesId(sample.metric, sample.labels, target));
  }
  return safe.samples;
}

describe('parseSampleValue', () => {
  it('parses what Prometheus writes, including NaN and infinities', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseSampleValue('0')).toBe(0);
    expect(Object.is(parseSampleValue('-0'), -0)).toBe(true);
    expect(parseSampleValue('1.5e+06')).toBe(1_500_000);
    expect(parseSampleValue('-2.25')).toBe(-2.25);
    expect(parseSampleValue('1e-07')).toBe(1e-7);
  });

  it('rejects what Prometheus never writes', () => {
    for (const text of ['', ' 1', '0x10', 'Infinity', 'nan', 'abc', '1,5', '+', '.', 'e5', '1e']) {
      expect(parseSampleValue(text), text).toBeUndefined();
    }
  });
});

describe('decoding instant-query answers', () => {
  it('decodes an empty result', () => {
    const text = '{"status":"success","data":{"resultType":"vector","result":[]}}';
    expect(expectSameSamples(text)).toEqual([]);
  });

  it('builds samples with series ids, labels without __name__, the target and ms timestamps', () => {
    const samples = expectSameSamples(
      answer([
        { labels: { __name__: 'cpu_usage', instance: 'server1', job: 'node' }, value: '93.5' },
        { labels: { __name__: 'up' }, value: '1', time: '1763766000' },
      ]),
    );
    expect(samples).toEqual([
      {
        seriesId: 'main|cpu_usage{instance="server1",job="node"}',
        metric: 'cpu_usage',
        labels: { instance: 'server1', job: 'node' },
        value: 93.5,
        timestamp: 1_763_766_000_123,
        target: 'main',
      },
      {
        seriesId: 'main|up',
        metric: 'up',
        labels: {},
        value: 1,
        timestamp: 1_763_766_000_000,
        target: 'main',
      },
    ]);
  });

  it('parses NaN, +Inf, -Inf, exponents, negatives, long and tiny numbers exactly like Number()', () => {
    const values = [
      'NaN',
      '+Inf',
      '-Inf',
      '1e+21',
      '-0.000001',
      '12345678901234567890',
      '0.1',
      '-0',
      '3.14159265358979',
    ];
    const samples = expectSameSamples(
      answer(values.map((value, index) => ({ labels: { __name__: 'v', index: String(index) }, value }))),
    );
    expect(samples.map((sample) => sample.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e21,
      -0.000001,
      Number('12345678901234567890'),
      0.1,
      -0,
      Number('3.14159265358979'),
    ]);
  });

  it('handles escaped quotes, backslashes, newlines, HTML-escaped and non-ASCII label values', () => {
    const samples = expectSameSamples(
      answer([
        { labels: { __name__: 'weird', path: 'C:\\temp\\"x"', note: 'line1\nline2\ttab' }, value: '1' },
        {
          labels: { __name__: 'weird', html: '<a href="x">&amp;</a>', emoji: 'héllo 🌍 \u2028' },
          value: '2',
        },
        { labels: { __name__: 'weird', control: '\u0001\u001f', quote: '"' }, value: '3' },
      ]),
    );
    expect(samples[0]!.labels).toEqual({ path: 'C:\\temp\\"x"', note: 'line1\nline2\ttab' });
    expect(samples[0]!.seriesId).toBe('main|weird{note="line1\\nline2\ttab",path="C:\\\\temp\\\\\\"x\\""}');
    expect(samples[1]!.labels.emoji).toBe('héllo 🌍 \u2028');
    expect(samples[2]!.labels.control).toBe('\u0001\u001f');
  });

  it('gives the same series ids when a server does not sort labels', () => {
    const text = answer(
      [{ labels: { __name__: 'm', zone: 'b', app: 'a', Upper: 'u' }, value: '1' }],
      '',
      false,
    );
    const [sample] = expectSameSamples(text);
    expect(sample!.seriesId).toBe('main|m{Upper="u",app="a",zone="b"}');
  });

  it('keeps a label named __proto__ as a plain label', () => {
    const text =
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"m","__proto__":"x","a":"1"},"value":[1,"2"]}]}}';
    const [sample] = decodeVectorSamples(text, 'main').samples;
    expect(Object.getPrototypeOf(sample!.labels)).toBe(Object.prototype);
    expect(Object.keys(sample!.labels)).toEqual(['__proto__', 'a']);
    expect(sample!.seriesId).toBe(seriesId('m', sample!.labels, 'main'));
  });

  it('keeps series without a metric name and with an empty target', () => {
    const [sample] = expectSameSamples(answer([{ labels: { job: 'x' }, value: '4' }]), '');
    expect(sample).toMatchObject({ seriesId: '{job="x"}', metric: '', target: '' });
  });

  it('reads warnings and infos after the result', () => {
    const text = answer(
      [{ labels: { __name__: 'a' }, value: '1' }],
      ',"warnings":["PromQL info: x","w2"],"infos":["i"]',
    );
    const fast = scanVectorSamples(text, 'main');
    expect(fast?.warnings).toEqual(['PromQL info: x', 'w2']);
    expect(fast?.infos).toEqual(['i']);
    expect(decodeVectorSamplesSafely(text, 'main')).toEqual(fast);
  });

  it('falls back to the safe parser for answers in another layout and still decodes them', () => {
    const pretty = JSON.stringify(
      {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { __name__: 'a' }, value: [1.5, '2'] }] },
      },
      null,
      2,
    );
    expect(scanVectorSamples(pretty, 'main')).toBeUndefined();
    expect(decodeVectorSamples(pretty, 'main').samples).toEqual([
      { seriesId: 'main|a', metric: 'a', labels: {}, value: 2, timestamp: 1500, target: 'main' },
    ]);
    const reordered = '{"data":{"result":[],"resultType":"vector"},"status":"success"}';
    expect(scanVectorSamples(reordered, 'main')).toBeUndefined();
    expect(decodeVectorSamples(reordered, 'main').samples).toEqual([]);
    const histogram =
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"h"},"histogram":[1,{"count":"1","sum":"1"}]},{"metric":{"__name__":"g"},"value":[1,"5"]}]}}';
    expect(scanVectorSamples(histogram, 'main')).toBeUndefined();
    const decoded = decodeVectorSamples(histogram, 'main');
    expect(decoded.samples.map((sample) => sample.metric)).toEqual(['g']);
    expect(decoded.warnings).toEqual(['1 native histogram samples were left out']);
  });

  it('turns truncated, empty, HTML and error answers into typed errors', () => {
    const full = answer([{ labels: { __name__: 'a', b: 'c' }, value: '1' }]);
    for (let cut = 1; cut < full.length; cut += 7) {
      const error = catchError(() => decodeVectorSamples(full.slice(0, cut), 'main'));
      expect(error.code, `cut at ${cut}`).toBe('bad_response');
    }
    expect(catchError(() => decodeVectorSamples('', 'main')).code).toBe('bad_response');
    expect(catchError(() => decodeVectorSamples('<html>502 Bad Gateway</html>', 'main')).message).toContain(
      'HTML page',
    );
    const error = catchError(() =>
      decodeVectorSamples('{"status":"error","errorType":"bad_data","error":"parse error"}', 'main', {
        url: 'http://p',
        endpoint: '/api/v1/query',
        status: 400,
      }),
    );
    expect(error).toMatchObject({
      code: 'prometheus',
      retryable: false,
      details: { status: 400, errorType: 'bad_data' },
    });
    expect(error.message).toContain('parse error');
    const matrix = '{"status":"success","data":{"resultType":"matrix","result":[]}}';
    expect(catchError(() => decodeVectorSamples(matrix, 'main')).code).toBe('bad_response');
    const badValue = answer([{ labels: { __name__: 'a' }, value: '0x10' }]);
    expect(catchError(() => decodeVectorSamples(badValue, 'main')).message).toContain('unparsable value');
  });

  it('matches the safe parser on random label sets and values', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const alphabet = [
      'a',
      'Z',
      '0',
      '_',
      ':',
      '-',
      '.',
      ' ',
      '"',
      '\\',
      '\n',
      '\t',
      '<',
      '&',
      'é',
      '€',
      '🌍',
      '{',
      '}',
      ',',
    ];
    const randomText = (length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const randomValue = () => {
      const pick = random();
      if (pick < 0.05) return 'NaN';
      if (pick < 0.1) return random() < 0.5 ? '+Inf' : '-Inf';
      if (pick < 0.4) return String(Math.floor(random() * 1e6));
      if (pick < 0.7) return String((random() - 0.5) * 10 ** Math.floor(random() * 30 - 10));
      return String(Math.round(random() * 1e4) / 100);
    };
    for (let round = 0; round < 20; round++) {
      const series = Array.from({ length: 50 }, () => {
        const labels: Labels = { __name__: `metric_${Math.floor(random() * 5)}` };
        const count = Math.floor(random() * 5);
        for (let index = 0; index < count; index++)
          labels[`l${Math.floor(random() * 8)}`] = randomText(Math.floor(random() * 20));
        return {
          labels,
          value: randomValue(),
          time: `17637660${Math.floor(random() * 100)}.${Math.floor(random() * 1000)}`,
        };
      });
      expectSameSamples(answer(series), `t${round}`);
    }
  });
});

describe('createVectorDecoder', () => {
  const series = (count: number, from = 0) =>
    Array.from({ length: count }, (_, index) => ({
      labels: {
        __name__: 'requests_total',
        instance: `host-${from + index}`,
        route: index % 2 ? '/a"b' : '/c',
      },
      value: String(from + index),
    }));

  it('decodes follow-up answers to exactly what the safe parser gives, as series come, go and move', () => {
    const decoder = createVectorDecoder({ target: 'main' });
    const answers = [
      answer(series(20)),
      answer(series(20)), // unchanged
      answer(series(25)), // five new series at the end
      answer([...series(10), ...series(10, 15)]), // some removed in the middle
      answer([...series(20)].reverse()), // another order
      answer(series(5, 100)), // all new
      answer([]),
      answer(series(20)),
    ];
    for (const [index, text] of answers.entries()) {
      expect(decoder.decode(text), `answer ${index}`).toEqual(decodeVectorSamplesSafely(text, 'main'));
    }
  });

  it('reuses the identity of known series and forgets series that are gone', () => {
    const decoder = createVectorDecoder({ target: 'main' });
    const first = decoder.decode(answer(series(3000))).samples;
    const second = decoder.decode(answer(series(3000))).samples;
    expect(second[1]!.labels).toBe(first[1]!.labels);
    expect(second[1]!.seriesId).toBe(first[1]!.seriesId);
    expect(decoder.size).toBe(3000);
    decoder.decode(answer(series(10)));
    expect(decoder.size).toBe(10);
    decoder.clear();
    expect(decoder.size).toBe(0);
  });

  it('still throws typed errors after remembering series', () => {
    const decoder = createVectorDecoder({ target: 'main' });
    const text = answer(series(5));
    decoder.decode(text);
    expect(catchError(() => decoder.decode(text.slice(0, -30))).code).toBe('bad_response');
    expect(decoder.decode(text).samples).toHaveLength(5);
  });
});

function catchError(run: () => unknown): PromptheusError {
  try {
    run();
  } catch (error) {
    if (PromptheusError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}
