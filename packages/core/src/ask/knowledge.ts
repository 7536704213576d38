import { questionWords, stem } from './text.js';

/** One PromQL recipe: when to use it and the pattern. */
export interface PromqlRecipe {
  /** Short identifier, e.g. `counter-rate`. */
  readonly id: string;
  readonly title: string;
  /** Words that make the recipe relevant to a question. */
  readonly keywords: readonly string[];
  /** The pattern, with placeholders in angle brackets. */
  readonly pattern: string;
  /** When and why to use it. */
  readonly explanation: string;
}

/**
 * The built-in PromQL knowledge base: patterns an operator (or an LLM) needs to turn questions
 * into correct PromQL. Retrieved by {@link retrieveRecipes} for LLM prompts.
 */
export const promqlRecipes: readonly PromqlRecipe[] = [
  {
    id: 'counter-rate',
    title: 'Per-second rate of a counter',
    keywords: ['rate', 'per second', 'throughput', 'requests', 'total', 'counter', 'how fast', 'rps'],
    pattern: 'sum by (<labels>) (rate(<counter>_total{<filters>}[5m]))',
    explanation:
      'Counters (TYPE counter, names ending in _total) only go up; never show them raw. Use rate() over a window of at least 4 scrape intervals, then aggregate with sum.',
  },
  {
    id: 'counter-increase',
    title: 'How many events in a time window',
    keywords: ['how many', 'in the last', 'over the last', 'increase', 'count of', 'number of'],
    pattern: 'sum(increase(<counter>_total{<filters>}[<window>]))',
    explanation:
      'increase() gives the growth of a counter over the window ("how many requests in the last hour").',
  },
  {
    id: 'per-minute',
    title: 'Rates per minute, hour or day',
    keywords: ['per minute', 'per hour', 'per day', 'daily', 'hourly'],
    pattern: 'sum(rate(<counter>_total[5m])) * 60',
    explanation: 'rate() is per second: multiply by 60 for per minute, 3600 per hour, 86400 per day.',
  },
  {
    id: 'histogram-quantile',
    title: 'Percentile of a histogram',
    keywords: ['p50', 'p90', 'p95', 'p99', 'percentile', 'quantile', 'median', 'latency', 'duration'],
    pattern: 'histogram_quantile(0.95, sum by (le, <labels>) (rate(<histogram>_bucket{<filters>}[5m])))',
    explanation:
      'Histograms (TYPE histogram) expose _bucket series with an le label. Aggregate the bucket rates by le (plus the labels to keep) before histogram_quantile.',
  },
  {
    id: 'summary-quantile',
    title: 'Percentile of a summary',
    keywords: ['p50', 'p90', 'p95', 'p99', 'percentile', 'quantile', 'summary'],
    pattern: '<summary>{quantile="0.95", <filters>}',
    explanation:
      'Summaries (TYPE summary) precompute quantiles in a quantile label; select it directly. Summary quantiles cannot be aggregated across series.',
  },
  {
    id: 'histogram-mean',
    title: 'Average (mean) from a histogram or summary',
    keywords: ['average', 'mean', 'avg', 'latency', 'duration', 'time'],
    pattern: 'sum(rate(<name>_sum[5m])) / sum(rate(<name>_count[5m]))',
    explanation: 'The mean observation is the rate of the _sum divided by the rate of the _count.',
  },
  {
    id: 'histogram-share-above',
    title: 'Share of observations above a threshold',
    keywords: ['longer than', 'slower than', 'more than', 'above', 'over', 'share', 'percent', 'apdex'],
    pattern: '100 * (1 - sum(rate(<histogram>_bucket{le="<bound>"}[5m])) / sum(rate(<histogram>_count[5m])))',
    explanation:
      'Buckets are cumulative: the bucket with le=<bound> counts observations at or below the bound.',
  },
  {
    id: 'error-ratio',
    title: 'Error or success ratio of one counter',
    keywords: ['error rate', 'failure rate', 'ratio', 'percent', 'share', '5xx', 'hit rate', 'success rate'],
    pattern:
      '100 * sum by (<labels>) (rate(<counter>{<status label>=~"5.."}[5m])) / sum by (<labels>) (rate(<counter>[5m]))',
    explanation:
      'Divide the rate of the matching outcomes by the rate of all outcomes, aggregated by the same labels on both sides. Multiply by 100 for percent.',
  },
  {
    id: 'two-metric-ratio',
    title: 'Ratio of two metrics',
    keywords: ['ratio', 'versus', 'vs', 'divided by', 'as a percent of', 'of its', 'utilisation', 'usage'],
    pattern: '100 * <used>{<filters>} / <capacity>{<filters>}',
    explanation:
      'Binary operators match series with identical labels; aggregate both sides by the same labels first when they differ.',
  },
  {
    id: 'topk',
    title: 'Top or bottom N series',
    keywords: ['top', 'highest', 'most', 'largest', 'biggest', 'which', 'worst', 'bottom', 'lowest', 'least'],
    pattern: 'topk(5, sum by (<label>) (rate(<counter>[5m])))',
    explanation:
      'topk/bottomk keep the labels of the winning series, so the answer names them; max() would drop the labels.',
  },
  {
    id: 'aggregation-by',
    title: 'Aggregate by a label',
    keywords: ['by', 'per', 'for each', 'breakdown', 'split by', 'grouped by'],
    pattern: 'sum by (<label>) (<expression>)',
    explanation: 'sum/avg/max/min/count by (labels) keeps only those labels; without (labels) drops them.',
  },
  {
    id: 'target-down',
    title: 'Targets that are down',
    keywords: ['down', 'up', 'unreachable', 'failing', 'health', 'scrape', 'target', 'offline'],
    pattern: 'up{job="<job>"} == 0',
    explanation:
      'up is 1 when Prometheus scraped the target successfully and 0 when the scrape failed. count(up == 0) counts failing targets.',
  },
  {
    id: 'absent',
    title: 'A metric that disappeared',
    keywords: ['missing', 'absent', 'no data', 'stopped reporting', 'disappeared'],
    pattern: 'absent(<metric>{<filters>})',
    explanation:
      'absent() returns 1 when no series matches, which alerts on a metric that stopped being reported.',
  },
  {
    id: 'time-window',
    title: 'Time windows and comparisons with the past',
    keywords: ['last', 'past', 'minutes', 'hour', 'ago', 'yesterday', 'compare', 'offset'],
    pattern: 'rate(<counter>[10m])  vs  rate(<counter>[10m] offset 1h)',
    explanation: 'Range selectors [10m] set the window; offset 1h shifts the evaluation into the past.',
  },
  {
    id: 'unit-conversion',
    title: 'Unit conversions',
    keywords: ['ms', 'milliseconds', 'gb', 'gib', 'mb', 'tb', 'percent', '%', 'gbps', 'mbps', 'minutes'],
    pattern:
      '<seconds> * 1000   <bytes> / 1e9 (GB) or / 1024^3 (GiB)   <bytes/s> * 8 / 1e9 (Gbps)   <ratio> * 100',
    explanation:
      'Prometheus uses base units (seconds, bytes, ratios 0-1); convert only when the question asks for another unit.',
  },
  {
    id: 'cpu-usage',
    title: 'CPU usage from a CPU-seconds counter',
    keywords: ['cpu', 'processor', 'usage', 'busy', 'iowait', 'idle', 'utilization'],
    pattern: '100 * (1 - avg by (instance) (rate(<cpu_seconds_total>{mode="idle"}[5m])))',
    explanation:
      'CPU time counters grow by one second per second per core; their rate is a fraction of a core. Average over cores, 1 - idle is the busy share.',
  },
  {
    id: 'info-metric',
    title: 'Versions and other facts in info metrics',
    keywords: ['version', 'release', 'build', 'running', 'deployed', 'kernel', 'info'],
    pattern: '<name>_info{<filters>}',
    explanation:
      'Info metrics have the value 1 and carry facts (version, release, ...) as labels: return the series itself.',
  },
];

/**
 * Recipes relevant to a question, best first, for grounding an LLM prompt.
 *
 * @example
 * ```ts
 * retrieveRecipes('p95 latency of checkout').map((recipe) => recipe.id); // ['histogram-quantile', ...]
 * ```
 */
export function retrieveRecipes(question: string, limit = 4): PromqlRecipe[] {
  const text = ` ${question.toLowerCase()} `;
  const stems = new Set(questionWords(question).map((word) => word.stem));
  const scored = promqlRecipes.map((recipe, order) => {
    let score = 0;
    for (const keyword of recipe.keywords) {
      if (keyword.includes(' ')) {
        if (text.includes(` ${keyword} `) || text.includes(keyword)) score += 2;
      } else if (stems.has(stem(keyword)) || text.includes(` ${keyword} `)) score += 1;
    }
    return { recipe, score, order };
  });
  return scored
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map((entry) => entry.recipe);
}
