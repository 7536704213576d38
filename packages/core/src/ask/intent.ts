import type { MetricCatalogSnapshot } from './catalog.js';
import { analyzePromql } from './promql.js';

/** What a message asks for. */
export type AskIntent = 'query' | 'explain' | 'troubleshoot' | 'smalltalk' | 'unanswerable';

/** The outcome of {@link detectIntent}. */
export interface DetectedIntent {
  readonly intent: AskIntent;
  /** The PromQL the message contains or is (`explain rate(x[5m])`, or a bare query), if any. */
  readonly promql: string | null;
  /** The question with the intent's lead words removed ("why is checkout slow" → "checkout slow"). */
  readonly question: string;
}

const smalltalk =
  /^(hi|hello|hey|yo|thanks|thank you|thx|cheers|good (morning|afternoon|evening)|who are you|what are you|what can you do|how are you|help|ok|okay|bye)\b[\s!.?]*$/i;
const explain =
  /^\s*(explain|describe|what does|what is the meaning of|what do(es)? .* mean|meaning of)\b\s*(this|the|query|promql|:)*\s*/i;
const troubleshoot =
  /\b(why|what'?s wrong|what is wrong|troubleshoot|investigate|diagnose|root cause|debug|is (something|anything) (wrong|broken)|went wrong)\b/i;

/**
 * Classifies a message: small talk, a request to explain PromQL, a troubleshooting question, or
 * a question to answer with a query. A message that is itself valid PromQL over known metrics is
 * a query to run as is.
 *
 * @example
 * ```ts
 * detectIntent('hello').intent; // 'smalltalk'
 * detectIntent('explain rate(http_requests_total[5m])', snapshot).promql; // 'rate(http_requests_total[5m])'
 * ```
 */
export function detectIntent(message: string, snapshot?: MetricCatalogSnapshot | null): DetectedIntent {
  const text = message.trim();
  if (smalltalk.test(text)) return { intent: 'smalltalk', promql: null, question: text };
  const explained = explain.exec(text);
  if (explained) {
    const rest = text
      .slice(explained[0].length)
      .replace(/^[`"']|[`"']$/g, '')
      .trim();
    const promql = looksLikePromql(rest, snapshot) ? rest : null;
    return { intent: 'explain', promql, question: rest || text };
  }
  if (looksLikePromql(text, snapshot)) return { intent: 'query', promql: text, question: text };
  if (troubleshoot.test(text)) return { intent: 'troubleshoot', promql: null, question: text };
  return { intent: 'query', promql: null, question: text };
}

/** True when the text parses as PromQL and names at least one metric of the catalog (or looks like code). */
export function looksLikePromql(text: string, snapshot?: MetricCatalogSnapshot | null): boolean {
  if (!text || text.length > 4000) return false;
  if (!/[({[_]/.test(text) && !(snapshot?.bySeries.has(text) ?? false)) return false;
  const analysis = analyzePromql(text);
  if (analysis.errors.length > 0 || analysis.selectors.length === 0) return false;
  // a selector without a name ({job="x"}) or with braces/parentheses is code, not prose
  if (analysis.selectors.some((selector) => selector.metric === null) || /[{(]/.test(text)) return true;
  if (!snapshot) return analysis.metrics.length > 0;
  return analysis.metrics.some((metric) => snapshot.bySeries.has(metric));
}

/** A plain-language description of what a query computes, from its structure. */
export function describePromql(promql: string): string {
  const analysis = analyzePromql(promql);
  if (analysis.errors.length > 0) return `This is not valid PromQL: ${analysis.errors[0]!.message}.`;
  const parts: string[] = [];
  const functions = new Set(analysis.functions);
  const metrics = analysis.metrics.join(', ');
  if (functions.has('histogram_quantile'))
    parts.push(`a percentile computed from the histogram buckets of ${metrics}`);
  else if (functions.has('rate') || functions.has('irate')) parts.push(`the per-second rate of ${metrics}`);
  else if (functions.has('increase')) parts.push(`how much ${metrics} grew over the window`);
  else parts.push(`the current value of ${metrics || 'a constant'}`);
  const filters = analysis.selectors.flatMap((selector) =>
    selector.matchers.map((matcher) => `${matcher.label}${matcher.operator}"${matcher.value}"`),
  );
  if (filters.length > 0) parts.push(`only series with ${[...new Set(filters)].join(', ')}`);
  const windows = analysis.selectors
    .map((selector) => selector.rangeSeconds)
    .filter((value) => value !== null);
  if (windows.length > 0) parts.push(`over a ${Math.max(...(windows as number[]))}s window`);
  for (const aggregation of ['sum', 'avg', 'max', 'min', 'count', 'topk', 'bottomk'])
    if (functions.has(aggregation)) parts.push(`combined with ${aggregation}`);
  if (analysis.groupingLabels.filter((label) => label !== 'le').length > 0)
    parts.push(`kept apart by ${analysis.groupingLabels.filter((label) => label !== 'le').join(', ')}`);
  return `It computes ${parts.join('; ')}.`;
}
