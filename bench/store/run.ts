/**
 * Anomaly inserts per second through `createSqliteStore` against raw better-sqlite3 inserts of the
 * same rows into the same schema, one transaction per batch, in the same run on the same machine;
 * then reads: a page of 20 anomalies and one anomaly by id through the store, against the same
 * SELECT through raw better-sqlite3 (rows as plain objects, nothing decoded or checked).
 *
 *   pnpm bench:store [--rows 20000] [--repeats 7] [--batches 1,10,100,1000] [--reads-only] [--no-write]
 *
 * Each variant runs `repeats` times, interleaved with the others; the best run of each counts (the
 * one least disturbed by other work on the machine).
 *
 * Writes the tables under "## Store: anomaly inserts" in bench/RESULTS.md (with --reads-only, only
 * its "### Reads" sub-section) and the inserts table between the bench markers of
 * packages/storage-sqlite/README.md (unless --no-write).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Anomaly } from '../../packages/core/src/index.js';
import { createSqliteStore, type SqliteStore } from '../../packages/storage-sqlite/src/index.js';
import {
  ANOMALY_COLUMNS,
  anomalyFromValues,
  anomalyParameters,
  parseAnomalyValues,
} from '../../packages/storage-sqlite/src/rows.js';
import { argument } from '../lib/args.js';
import { writeResultsSection, writeResultsSubsection } from '../lib/results.js';

/** better-sqlite3's Database class, loaded from the package that depends on it. */
type DatabaseConstructor = new (path: string) => SqliteStore['database'];
const Database = createRequire(new URL('../../packages/storage-sqlite/package.json', import.meta.url))(
  'better-sqlite3',
) as DatabaseConstructor;

const root = fileURLToPath(new URL('../../', import.meta.url));

const totalRows = Number(argument('rows') ?? 20_000);
const repeats = Number(argument('repeats') ?? 7);
const batchSizes = (argument('batches') ?? '1,10,100,1000').split(',').map(Number);
const write = !process.argv.includes('--no-write');
const readsOnly = process.argv.includes('--reads-only');

/** Rows like the monitor writes: five labels, some evidence, half firing (unique fingerprints), half resolved. */
function makeAnomalies(count: number, run: string): Anomaly[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => {
    const firing = index % 2 === 0;
    return {
      id: `${run}-${String(index).padStart(7, '0')}`,
      fingerprint: `${run}-fp-${index}`,
      metric: 'node_cpu_seconds_total',
      labels: {
        instance: `server${index % 50}:9100`,
        job: 'node',
        cpu: String(index % 8),
        mode: 'user',
        region: 'eu-west-1',
      },
      value: 97.5 + (index % 10) / 10,
      score: 0.93,
      severity: firing ? 'high' : 'medium',
      reason: 'z-score 4.2 above the rolling mean of the last 60 samples',
      detector: 'zscore',
      target: 'prod',
      status: firing ? 'firing' : 'resolved',
      evidence: { zScore: 4.2, mean: 41.3, stddev: 13.5 },
      startsAt: now + index,
      endsAt: firing ? null : now + index + 60_000,
      updatedAt: now + index,
      acknowledgedAt: null,
    };
  });
}

function batches<Item>(items: readonly Item[], size: number): Item[][] {
  const result: Item[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

const best = (values: readonly number[]) => Math.max(...values);

const directory = mkdtempSync(join(tmpdir(), 'promptheus-bench-store-'));
let files = 0;

/** A new database file with the store's schema, WAL and synchronous=NORMAL, like the store's own. */
function rawDatabase() {
  const path = join(directory, `raw-${++files}.db`);
  void createSqliteStore({ path }).close();
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  return database;
}

/** Raw better-sqlite3: one prepared statement, parameters built before the clock starts, one transaction per batch. */
function measureRaw(rows: readonly Anomaly[], batchSize: number): number {
  const database = rawDatabase();
  const columns =
    'id, fingerprint, metric, labels, value, score, severity, reason, detector, target, status, evidence, starts_at, ends_at, updated_at, acknowledged_at';
  const insert = database.prepare(
    `INSERT INTO anomalies (${columns}) VALUES (${columns
      .split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  const parameterBatches = batches(rows.map(anomalyParameters), batchSize);
  const insertBatch = database.transaction((batch: ReadonlyArray<ReadonlyArray<string | number | null>>) => {
    for (const parameters of batch) insert.run(parameters);
  });
  const started = process.hrtime.bigint();
  for (const batch of parameterBatches) insertBatch(batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = database.prepare('SELECT count(*) FROM anomalies').pluck().get();
  database.close();
  if (stored !== rows.length) throw new Error(`raw run stored ${String(stored)} of ${rows.length} rows`);
  return rows.length / seconds;
}

/** Through the store: `store.anomalies.insert(batch)`, records as the application holds them. */
async function measureStore(rows: readonly Anomaly[], batchSize: number, maxDocs: number): Promise<number> {
  const store = createSqliteStore({ path: join(directory, `store-${++files}.db`) }, { maxDocs });
  const recordBatches = batches(rows, batchSize);
  const started = process.hrtime.bigint();
  for (const batch of recordBatches) await store.anomalies.insert(batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = await store.anomalies.count();
  await store.close();
  const firing = rows.filter((row) => row.status === 'firing').length;
  const expected =
    maxDocs === Number.POSITIVE_INFINITY ? rows.length : Math.min(rows.length, Math.max(maxDocs, firing));
  if (stored !== expected) throw new Error(`store run kept ${stored} rows, expected ${expected}`);
  return rows.length / seconds;
}

interface Result {
  readonly batchSize: number;
  readonly rows: number;
  readonly raw: number;
  readonly store: number;
  readonly storeWithRetention: number;
}

const percent = (ratio: number) => `${(100 * ratio).toFixed(0)}%`;

const format = (value: number) => Math.round(value).toLocaleString('en-US');
const micros = (value: number) => value.toFixed(1);

/** A table of right-aligned columns, padded the way the repository's formatter writes Markdown tables. */
function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => `${'-'.repeat(width - 1)}:`)), ...rows.map(line)];
}

// Inserts ------------------------------------------------------------------------------------------

async function measureInserts(): Promise<Result[]> {
  const results: Result[] = [];
  for (const batchSize of batchSizes) {
    // Batches of one pay a commit per row; fewer rows keep that case short.
    const rows = batchSize === 1 ? Math.min(totalRows, 5000) : totalRows;
    const raw: number[] = [];
    const store: number[] = [];
    const retained: number[] = [];
    // Warm-up: statement preparation, page cache, JIT.
    measureRaw(makeAnomalies(Math.min(rows, 2000), 'warm-raw'), batchSize);
    await measureStore(
      makeAnomalies(Math.min(rows, 2000), 'warm-store'),
      batchSize,
      Number.POSITIVE_INFINITY,
    );
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Interleaved, so that load from other processes hits all variants alike.
      raw.push(measureRaw(makeAnomalies(rows, `raw-${repeat}`), batchSize));
      store.push(
        await measureStore(makeAnomalies(rows, `store-${repeat}`), batchSize, Number.POSITIVE_INFINITY),
      );
      retained.push(await measureStore(makeAnomalies(rows, `retained-${repeat}`), batchSize, 1000));
    }
    const result = {
      batchSize,
      rows,
      raw: best(raw),
      store: best(store),
      storeWithRetention: best(retained),
    };
    results.push(result);
    process.stdout.write(
      `batch ${String(batchSize).padStart(4)}: raw ${Math.round(result.raw)}/s, store ${Math.round(result.store)}/s (${percent(result.store / result.raw)}), store+retention ${Math.round(result.storeWithRetention)}/s\n`,
    );
  }
  return results;
}

function insertsTable(results: readonly Result[]): string {
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` (Node ${process.version}, ${cpus().length} cores, SQLite file in WAL mode with synchronous=NORMAL, best of ${repeats} interleaved runs of each variant).`,
    '"raw" is one prepared better-sqlite3 INSERT into the same table and indexes, parameters built before the clock',
    'starts, one transaction per batch; "store" is `store.anomalies.insert(batch)` with `maxDocs: Infinity`;',
    '"store + retention" keeps `maxDocs: 1000`, so every batch also deletes the oldest resolved anomalies in its transaction.',
    '',
    'The machine is shared with other work, so absolute figures vary between runs; the best run of each variant is the',
    'one least disturbed.',
    '',
    ...markdownTable(
      [
        'batch size',
        'rows',
        'raw inserts/s',
        'store inserts/s',
        'store / raw',
        'store + retention inserts/s',
      ],
      results.map((result) => [
        String(result.batchSize),
        format(result.rows),
        format(result.raw),
        format(result.store),
        percent(result.store / result.raw),
        format(result.storeWithRetention),
      ]),
    ),
    '',
    `Target: the store reaches at least 50% of raw inserts/s at every batch size: ${
      results.every((result) => result.store / result.raw >= 0.5) ? 'met' : 'NOT met'
    } in this run.`,
  ].join('\n');
}

// Reads --------------------------------------------------------------------------------------------

const READ_TABLE_ROWS = 1000;
const PAGE = 20;
const PAGE_ORDER = 'FROM anomalies ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?';

/**
 * The same reads through the store as it was before it read anomalies as column values with the
 * quick checked path (every row an object through the zod schema): this script at commit dd8e5ef,
 * run just before and just after one run of this version, on the shared machine.
 */
const BEFORE =
  'Before anomalies were read as column values through the quick checked path (every row an object through the zod ' +
  'schema): this command at commit dd8e5ef, run just before and just after one run of this version on 2026-11-22, ' +
  'measured `list` at 377.9 and 398.1 µs against 131.4 and 182.6 µs raw objects (12.3 and 10.8 µs per row added by ' +
  'the store), `get` at 16.0 and 18.0 µs against 8.4 and 7.3 µs raw objects, and decoding at 6.3 and 4.0 µs per row; ' +
  'the run between them measured `list` at 147.1 µs against 214.7 µs raw objects and 130.1 µs raw values, `get` at ' +
  '12.1 µs, and decoding at 2.0 µs per row (4.8 µs through the schema). Figures between runs vary with the load of ' +
  'the machine; compare within a run.';

/** CPU time (user + system) of this process so far, in µs: less disturbed by other work than wall time. */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** CPU µs per call of synchronous work. */
function perCall(calls: number, work: (call: number) => unknown): number {
  const started = cpuMicros();
  for (let call = 0; call < calls; call++) work(call);
  return (cpuMicros() - started) / calls;
}

/** CPU µs per call of work that answers with a promise, awaited one after the other. */
async function perAsyncCall(calls: number, work: (call: number) => Promise<unknown>): Promise<number> {
  const started = cpuMicros();
  for (let call = 0; call < calls; call++) await work(call);
  return (cpuMicros() - started) / calls;
}

/** CPU µs per call through the store, through raw better-sqlite3 with rows as objects, and as column values. */
interface ReadFigures {
  readonly store: number;
  readonly rawObjects: number;
  readonly rawValues: number;
}

interface ReadResult {
  readonly page: ReadFigures;
  readonly byId: ReadFigures;
  /** CPU µs to decode and check a page of 20 rows already read, by the quick path and by the schema. */
  readonly decodePage: { readonly quick: number; readonly schema: number };
}

/** A page of 20 and one anomaly by id from a table of 1,000, through the store and through raw better-sqlite3. */
async function measureReads(): Promise<ReadResult> {
  const path = join(directory, `reads-${++files}.db`);
  const store = createSqliteStore({ path }, { maxDocs: Number.POSITIVE_INFINITY });
  const rows = makeAnomalies(READ_TABLE_ROWS, 'read');
  for (const batch of batches(rows, 100)) await store.anomalies.insert(batch);
  const ids = rows.slice(0, PAGE).map((row) => row.id);
  const database = new Database(path);
  const rawPage = database.prepare(`SELECT * ${PAGE_ORDER}`);
  const rawPageValues = database.prepare(`SELECT ${ANOMALY_COLUMNS} ${PAGE_ORDER}`).raw(true);
  const rawById = database.prepare('SELECT * FROM anomalies WHERE id = ?');
  const rawByIdValues = database.prepare(`SELECT ${ANOMALY_COLUMNS} FROM anomalies WHERE id = ?`).raw(true);
  const pageValues = rawPageValues.all(PAGE, 0) as unknown[][];
  const expected = JSON.stringify(await store.anomalies.list({ limit: PAGE }));
  if (
    JSON.stringify(pageValues.map(anomalyFromValues)) !== expected ||
    JSON.stringify(pageValues.map(parseAnomalyValues)) !== expected
  ) {
    throw new Error('decoded rows differ from what the store lists');
  }
  const pageCalls = 1000;
  const byIdCalls = 5000;
  const samples = () => ({ store: [] as number[], rawObjects: [] as number[], rawValues: [] as number[] });
  const page = samples();
  const byId = samples();
  const decodePage = { quick: [] as number[], schema: [] as number[] };
  try {
    // Warm-up: statements, page cache, JIT.
    await perAsyncCall(pageCalls, () => store.anomalies.list({ limit: PAGE }));
    perCall(pageCalls, () => rawPage.all(PAGE, 0));
    perCall(pageCalls, () => rawPageValues.all(PAGE, 0));
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Interleaved, so that load from other processes hits all variants alike.
      page.store.push(await perAsyncCall(pageCalls, () => store.anomalies.list({ limit: PAGE })));
      page.rawObjects.push(perCall(pageCalls, () => rawPage.all(PAGE, 0)));
      page.rawValues.push(perCall(pageCalls, () => rawPageValues.all(PAGE, 0)));
      byId.store.push(await perAsyncCall(byIdCalls, (call) => store.anomalies.get(ids[call % PAGE]!)));
      byId.rawObjects.push(perCall(byIdCalls, (call) => rawById.get(ids[call % PAGE]!)));
      byId.rawValues.push(perCall(byIdCalls, (call) => rawByIdValues.get(ids[call % PAGE]!)));
      decodePage.quick.push(perCall(pageCalls, () => pageValues.map(anomalyFromValues)));
      decodePage.schema.push(perCall(pageCalls, () => pageValues.map(parseAnomalyValues)));
    }
  } finally {
    database.close();
    await store.close();
  }
  const least = (values: readonly number[]) => Math.min(...values);
  const figures = (measured: ReturnType<typeof samples>): ReadFigures => ({
    store: least(measured.store),
    rawObjects: least(measured.rawObjects),
    rawValues: least(measured.rawValues),
  });
  const result = {
    page: figures(page),
    byId: figures(byId),
    decodePage: { quick: least(decodePage.quick), schema: least(decodePage.schema) },
  };
  process.stdout.write(
    `reads: page of ${PAGE} store ${micros(result.page.store)} µs, raw ${micros(result.page.rawObjects)} / ${micros(result.page.rawValues)} µs; ` +
      `by id store ${micros(result.byId.store)} µs, raw ${micros(result.byId.rawObjects)} / ${micros(result.byId.rawValues)} µs; ` +
      `decode a page ${micros(result.decodePage.quick)} µs (schema ${micros(result.decodePage.schema)} µs)\n`,
  );
  return result;
}

function readsSection(result: ReadResult): string {
  const row = (read: string, rows: number, figures: ReadFigures) => [
    read,
    String(rows),
    micros(figures.store),
    micros(figures.rawObjects),
    micros(figures.rawValues),
    micros((figures.store - figures.rawObjects) / rows),
    micros((figures.store - figures.rawValues) / rows),
  ];
  const { quick, schema } = result.decodePage;
  return [
    '### Reads',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` (Node ${process.version}, ${cpus().length} cores): a table of ${format(READ_TABLE_ROWS)} anomalies`,
    `like the inserts above; CPU time of this process per call (less disturbed by other work than wall time), best of ${repeats}`,
    'interleaved runs. "raw" is the same prepared SELECT through better-sqlite3 on a second connection with nothing',
    'decoded or checked, once with rows as objects (`SELECT *`) and once as column values (raw mode, as the store reads',
    'anomalies). The store adds checking the query, decoding the JSON columns, checking every row and building the records.',
    '',
    ...markdownTable(
      [
        'read',
        'rows',
        'store µs',
        'raw objects µs',
        'raw values µs',
        'store − raw objects per row µs',
        'store − raw values per row µs',
      ],
      [row('`anomalies.list({ limit: 20 })`', PAGE, result.page), row('`anomalies.get(id)`', 1, result.byId)],
    ),
    '',
    `Decoding and checking a page of ${PAGE} rows already read: ${micros(quick)} µs (${micros(quick / PAGE)} µs per row) by the quick`,
    `checked path the store takes for rows as it writes them (\`anomalyFromValues\`), ${micros(schema)} µs (${micros(schema / PAGE)} µs per row)`,
    `through the zod schema (\`parseAnomalyValues\`, which still reports a damaged row): ${(schema / quick).toFixed(1)}× less work.`,
    '',
    BEFORE,
  ].join('\n');
}

// Run ----------------------------------------------------------------------------------------------

const command = `pnpm bench:store${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
let inserts: string | undefined;
let reads: string;
try {
  if (!readsOnly) inserts = insertsTable(await measureInserts());
  reads = readsSection(await measureReads());
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const heading = '## Store: anomaly inserts';
process.stdout.write(`\n${inserts === undefined ? '' : `${inserts}\n\n`}${reads}\n`);

if (write) {
  if (inserts === undefined) writeResultsSubsection(heading, reads);
  else {
    writeResultsSection(`${heading}\n\n${inserts}\n\n${reads}\n`);
    const readmePath = join(root, 'packages/storage-sqlite/README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const startMarker = '<!-- bench:store:start -->';
    const endMarker = '<!-- bench:store:end -->';
    const from = readme.indexOf(startMarker);
    const to = readme.indexOf(endMarker);
    if (from >= 0 && to > from) {
      writeFileSync(
        readmePath,
        `${readme.slice(0, from + startMarker.length)}\n${inserts}\n${readme.slice(to)}`,
      );
    }
  }
  process.stdout.write('\nwritten to bench/RESULTS.md\n');
}
