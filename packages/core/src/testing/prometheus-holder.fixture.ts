/**
 * Test fixture: starts a Prometheus, prints `{url, directory}` as one JSON line and then either
 * waits to be killed (`wait`) or exits without stopping it (`exit`). Used to prove that no
 * Prometheus outlives the process that started it.
 */
import { startPrometheus } from './prometheus.js';

const mode = process.argv[2] ?? 'wait';
const prometheus = await startPrometheus({ scrapeTargets: [] });
process.stdout.write(`${JSON.stringify({ url: prometheus.url, directory: prometheus.directory })}\n`);
if (mode === 'exit') setTimeout(() => process.exit(0), 100);
else setInterval(() => {}, 1000);
