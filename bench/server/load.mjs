/**
 * A keep-alive HTTP load generator for bench/server/run.ts when wrk is not installed:
 *   node bench/server/load.mjs <url> <seconds> <connections>
 * Prints {"requestsPerSecond","p50Ms","p99Ms","errors"} as JSON.
 */
import http from 'node:http';

const [url, secondsText = '5', connectionsText = '32'] = process.argv.slice(2);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url);
const latencies = [];
let completed = 0;
let errors = 0;
const stopAt = performance.now() + seconds * 1000;

function one() {
  return new Promise((resolve) => {
    const started = performance.now();
    const request = http.get(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, agent },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => {
          if (response.statusCode !== 200) errors++;
          latencies.push(performance.now() - started);
          completed++;
          resolve();
        });
      },
    );
    request.on('error', () => {
      errors++;
      resolve();
    });
  });
}

async function worker() {
  while (performance.now() < stopAt) await one();
}

const started = performance.now();
await Promise.all(Array.from({ length: connections }, worker));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (fraction) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0;
agent.destroy();
process.stdout.write(
  JSON.stringify({ requestsPerSecond: completed / elapsed, p50Ms: at(0.5), p99Ms: at(0.99), errors }),
);
