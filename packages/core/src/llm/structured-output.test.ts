import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseModelJson, toJsonSchema } from './structured-output.js';

describe('parseModelJson', () => {
  it('reads plain JSON, fenced JSON and JSON wrapped in prose', () => {
    expect(parseModelJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseModelJson('```json\n{"a":2}\n```')).toEqual({ a: 2 });
    expect(parseModelJson('Sure! Here it is: {"a":3}. Hope it helps')).toEqual({ a: 3 });
    expect(parseModelJson('\uFEFF [1,2] ')).toEqual([1, 2]);
  });

  it('names the problem when there is no JSON', () => {
    expect(() => parseModelJson('')).toThrow(/empty/);
    expect(() => parseModelJson('{"a": ')).toThrow(/not valid JSON/);
  });
});

describe('toJsonSchema', () => {
  it('converts a zod object to JSON Schema without $schema', () => {
    const schema = toJsonSchema(z.object({ cause: z.string(), fix: z.string().optional() }));
    expect(schema).toMatchObject({ type: 'object', required: ['cause'] });
    expect(schema).not.toHaveProperty('$schema');
  });
});
