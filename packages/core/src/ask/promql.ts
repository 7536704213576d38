import { parser } from '@prometheus-io/lezer-promql';
import type { MetricCatalogSnapshot } from './catalog.js';

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree['topNode'];

/** A label matcher of a selector. */
export interface PromqlMatcher {
  readonly label: string;
  readonly operator: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** A vector selector found in an expression. */
export interface PromqlSelector {
  /** The metric name, or null for a selector such as `{job="x"}`. */
  readonly metric: string | null;
  readonly matchers: readonly PromqlMatcher[];
  /** Range in seconds when the selector is a range vector (`x[5m]`), else null. */
  readonly rangeSeconds: number | null;
  /** Position in the expression. */
  readonly from: number;
  readonly to: number;
  /** End of the selector including its range (`[5m]`), where an `offset` would go. */
  readonly end: number;
  /** True when the selector already has an `offset` or `@` modifier. */
  readonly shifted: boolean;
}

/** A syntax error, with its position. */
export interface PromqlSyntaxError {
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

/** What an expression contains, from the PromQL parser. */
export interface PromqlAnalysis {
  readonly expr: string;
  /** Syntax errors; empty when the expression parses. */
  readonly errors: readonly PromqlSyntaxError[];
  readonly selectors: readonly PromqlSelector[];
  /** Distinct metric names used. */
  readonly metrics: readonly string[];
  /** Label names used in `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` clauses. */
  readonly groupingLabels: readonly string[];
  /** Function and aggregation names used (`rate`, `sum`, `histogram_quantile`, ...). */
  readonly functions: readonly string[];
  /** The longest range or subquery window, in seconds (0 when none). */
  readonly maxRangeSeconds: number;
  /** True when the whole expression is a range vector (`x[5m]`), which cannot be graphed. */
  readonly rangeVectorResult: boolean;
}

/** Parses `5m`, `1h30m`, `90s`, `1.5` (seconds) into seconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const units: Readonly<Record<string, number>> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
  };
  let total = 0;
  let rest = trimmed;
  if (!rest) return null;
  while (rest.length > 0) {
    const match = /^(\d+)(ms|s|m|h|d|w|y)/.exec(rest);
    if (!match) return null;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** Formats seconds as a PromQL duration: 300 → `5m`, 5400 → `90m`, 86400 → `1d`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(1, Math.round(seconds));
  if (whole % 86400 === 0) return `${whole / 86400}d`;
  if (whole % 3600 === 0) return `${whole / 3600}h`;
  if (whole % 60 === 0) return `${whole / 60}m`;
  return `${whole}s`;
}

/** Decodes a PromQL string literal (double, single or backtick quoted). */
export function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g,
    (_, sequence: string) => {
      switch (sequence[0]) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case 'a':
          return '\x07';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        case 'v':
          return '\v';
        case 'x':
        case 'u':
        case 'U':
          return String.fromCodePoint(Number.parseInt(sequence.slice(1), 16));
        default:
          if (/^[0-7]{3}$/.test(sequence)) return String.fromCharCode(Number.parseInt(sequence, 8));
          return sequence;
      }
    },
  );
}

/** Quotes a string for PromQL (label values are data: quotes, backslashes and newlines are escaped). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const childrenOf = (node: SyntaxNode): SyntaxNode[] => {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) children.push(child);
  return children;
};

/**
 * Parses an expression with the PromQL grammar Prometheus's own UI uses and lists what it
 * contains. Any error node of the tree is a syntax error.
 *
 * @example
 * ```ts
 * const analysis = analyzePromql('sum by (route) (rate(http_requests_total{code=~"5.."}[5m]))');
 * analysis.errors; // []
 * analysis.metrics; // ['http_requests_total']
 * ```
 */
export function analyzePromql(expr: string): PromqlAnalysis {
  const tree = parser.parse(expr);
  const errors: PromqlSyntaxError[] = [];
  const selectors: PromqlSelector[] = [];
  const groupingLabels = new Set<string>();
  const functions = new Set<string>();
  let maxRangeSeconds = 0;
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);

  tree.iterate({
    enter(reference) {
      const node = reference.node;
      if (reference.type.isError) {
        const near = expr.slice(Math.max(0, reference.from - 10), reference.to + 10);
        errors.push({
          from: reference.from,
          to: reference.to,
          message:
            reference.from >= expr.length
              ? 'unexpected end of expression (an unclosed bracket or a missing operand?)'
              : `unexpected input at position ${reference.from} near "${near}"`,
        });
        return;
      }
      switch (reference.name) {
        case 'VectorSelector': {
          let metric: string | null = null;
          const matchers: PromqlMatcher[] = [];
          for (const child of childrenOf(node)) {
            if (child.name === 'Identifier') metric = text(child);
            if (child.name !== 'LabelMatchers') continue;
            for (const matcher of childrenOf(child)) {
              if (matcher.name === 'QuotedLabelName') {
                // {"metric.name"}: a UTF-8 metric name
                const literal = matcher.getChild('StringLiteral');
                if (literal) metric = unquote(text(literal));
                continue;
              }
              if (matcher.name !== 'UnquotedLabelMatcher' && matcher.name !== 'QuotedLabelMatcher') continue;
              const nameNode = matcher.getChild('LabelName') ?? matcher.getChild('QuotedLabelName');
              const operatorNode = matcher.getChild('MatchOp');
              const valueNode = matcher.getChildren('StringLiteral').at(-1);
              if (!nameNode || !operatorNode || !valueNode || valueNode.from < operatorNode.to) continue;
              const label =
                nameNode.name === 'QuotedLabelName'
                  ? unquote(text(nameNode.getChild('StringLiteral') ?? nameNode))
                  : text(nameNode);
              const matcherEntry: PromqlMatcher = {
                label,
                operator: text(operatorNode) as PromqlMatcher['operator'],
                value: unquote(text(valueNode)),
              };
              if (label === '__name__' && matcherEntry.operator === '=') metric = matcherEntry.value;
              else matchers.push(matcherEntry);
            }
          }
          const parent = node.parent;
          let rangeSeconds: number | null = null;
          const outer = parent?.name === 'MatrixSelector' ? parent : node;
          const shifted =
            outer.parent?.name === 'OffsetExpr' ||
            outer.parent?.name === 'StepInvariantExpr' ||
            node.parent?.name === 'OffsetExpr';
          if (parent?.name === 'MatrixSelector') {
            const duration = childrenOf(parent).find((child) => child.name === 'DurationExpr');
            rangeSeconds = duration ? parseDuration(text(duration)) : null;
            if (rangeSeconds !== null) maxRangeSeconds = Math.max(maxRangeSeconds, rangeSeconds);
          }
          selectors.push({
            metric,
            matchers,
            rangeSeconds,
            from: node.from,
            to: node.to,
            end: outer.to,
            shifted,
          });
          return;
        }
        case 'SubqueryExpr': {
          const duration = childrenOf(node).find((child) => child.name === 'DurationExpr');
          const seconds = duration ? parseDuration(text(duration)) : null;
          if (seconds !== null) maxRangeSeconds = Math.max(maxRangeSeconds, seconds);
          return;
        }
        case 'GroupingLabels':
          for (const child of childrenOf(node)) {
            if (child.name === 'LabelName') groupingLabels.add(text(child));
            if (child.name === 'QuotedLabelName')
              groupingLabels.add(unquote(text(child.getChild('StringLiteral') ?? child)));
          }
          return;
        case 'FunctionIdentifier':
        case 'AggregateOp':
          functions.add(text(node));
          return;
        default:
          return;
      }
    },
  });
  if (expr.trim() === '') errors.push({ from: 0, to: 0, message: 'the expression is empty' });

  let top: SyntaxNode | null = tree.topNode.firstChild;
  while (top && top.name === 'ParenExpr') top = top.firstChild;
  const rangeVectorResult = top?.name === 'MatrixSelector' || top?.name === 'SubqueryExpr';
  return {
    expr,
    errors,
    selectors,
    metrics: [
      ...new Set(selectors.map((selector) => selector.metric).filter((name): name is string => !!name)),
    ],
    groupingLabels: [...groupingLabels],
    functions: [...functions],
    maxRangeSeconds,
    rangeVectorResult,
  };
}

/**
 * Shifts every selector of an expression into the past with `offset` (selectors that already
 * have an offset or `@` keep theirs).
 *
 * @example
 * ```ts
 * withOffset('sum(rate(http_requests_total[5m]))', 3600); // 'sum(rate(http_requests_total[5m] offset 1h))'
 * ```
 */
export function withOffset(expr: string, seconds: number): string {
  const analysis = analyzePromql(expr);
  if (analysis.errors.length > 0) return expr;
  const positions = [
    ...new Set(analysis.selectors.filter((selector) => !selector.shifted).map((selector) => selector.end)),
  ];
  let result = expr;
  for (const position of positions.sort((a, b) => b - a))
    result = `${result.slice(0, position)} offset ${formatDuration(seconds)}${result.slice(position)}`;
  return result;
}

/** Why a query was rejected. */
export interface PromqlIssue {
  readonly code: 'syntax' | 'unknown_metric' | 'unknown_label' | 'range_vector' | 'expensive' | 'empty';
  readonly message: string;
}

/** Limits that keep a query cheap enough to run on behalf of a user. */
export interface QueryLimits {
  /** Longest range or subquery window, in seconds. @default 604800 (7 days) */
  readonly maxRangeSeconds?: number;
  /** Allow selectors without a metric name (`{job="x"}`), which touch every metric. @default false */
  readonly allowNamelessSelectors?: boolean;
  /** Most selectors in one expression. @default 20 */
  readonly maxSelectors?: number;
  /** Longest expression, in characters. @default 4000 */
  readonly maxLength?: number;
}

/** The outcome of {@link validatePromql}. */
export interface PromqlValidation {
  readonly ok: boolean;
  readonly issues: readonly PromqlIssue[];
  readonly analysis: PromqlAnalysis;
}

/** Labels that exist without being listed on a metric. */
const implicitLabels = new Set(['__name__']);

/**
 * Checks an expression before it may run: it must parse (no error node anywhere in the tree),
 * every metric must exist in the catalog, every label must exist on the metrics it filters or
 * groups, it must not be a range vector at the top, and it must stay within the cost limits.
 *
 * @example
 * ```ts
 * const { ok, issues } = validatePromql('rate(http_requests_total[5m])', snapshot);
 * if (!ok) console.log(issues.map((issue) => issue.message).join('; '));
 * ```
 */
export function validatePromql(
  expr: string,
  snapshot: MetricCatalogSnapshot,
  limits: QueryLimits = {},
): PromqlValidation {
  const issues: PromqlIssue[] = [];
  const maxLength = limits.maxLength ?? 4000;
  if (expr.length > maxLength) {
    const analysis = analyzePromql('');
    return {
      ok: false,
      issues: [{ code: 'expensive', message: `the query is longer than ${maxLength} characters` }],
      analysis,
    };
  }
  const analysis = analyzePromql(expr);
  if (expr.trim() === '')
    return { ok: false, issues: [{ code: 'empty', message: 'the query is empty' }], analysis };
  for (const message of new Set(analysis.errors.map((error) => error.message)))
    issues.push({ code: 'syntax', message: `syntax error: ${message}` });
  if (issues.length > 0) return { ok: false, issues, analysis };

  const knownLabels = new Set<string>();
  let labelsComplete = true;
  for (const selector of analysis.selectors) {
    if (selector.metric === null) {
      if (!limits.allowNamelessSelectors)
        issues.push({
          code: 'expensive',
          message: `the selector ${expr.slice(selector.from, selector.to)} names no metric and would read every series; name a metric`,
        });
      labelsComplete = false;
      continue;
    }
    const metric = snapshot.bySeries.get(selector.metric);
    if (!metric) {
      issues.push({ code: 'unknown_metric', message: `unknown metric ${selector.metric}` });
      labelsComplete = false;
      continue;
    }
    if (!metric.labelsLoaded) {
      labelsComplete = false;
      continue;
    }
    const seriesLabels = labelsOfSeries(metric, selector.metric);
    for (const label of seriesLabels) knownLabels.add(label);
    for (const matcher of selector.matchers) {
      if (implicitLabels.has(matcher.label) || seriesLabels.has(matcher.label)) continue;
      // a matcher that accepts the empty string is fine on a missing label (it matches every series)
      if (matcher.operator === '=' && matcher.value === '') continue;
      if (matcher.operator === '!=' && matcher.value !== '') continue;
      issues.push({
        code: 'unknown_label',
        message: `metric ${selector.metric} has no label ${matcher.label}${suggestLabel(seriesLabels)}`,
      });
    }
  }
  if (
    labelsComplete &&
    !analysis.functions.some((name) => name === 'label_replace' || name === 'label_join')
  ) {
    for (const label of analysis.groupingLabels) {
      if (!implicitLabels.has(label) && !knownLabels.has(label))
        issues.push({
          code: 'unknown_label',
          message: `no metric in the query has a label ${label}${suggestLabel(knownLabels)}`,
        });
    }
  }
  if (analysis.rangeVectorResult)
    issues.push({
      code: 'range_vector',
      message: 'the query returns a range vector; wrap it in rate(), increase() or avg_over_time()',
    });
  const maxRange = limits.maxRangeSeconds ?? 604_800;
  if (analysis.maxRangeSeconds > maxRange)
    issues.push({
      code: 'expensive',
      message: `a window of ${formatDuration(analysis.maxRangeSeconds)} is longer than the allowed ${formatDuration(maxRange)}`,
    });
  const maxSelectors = limits.maxSelectors ?? 20;
  if (analysis.selectors.length > maxSelectors)
    issues.push({ code: 'expensive', message: `the query has more than ${maxSelectors} selectors` });
  return { ok: issues.length === 0, issues, analysis };
}

function labelsOfSeries(
  metric: { readonly labels: ReadonlyMap<string, unknown>; readonly type: string; readonly name: string },
  seriesName: string,
): Set<string> {
  const labels = new Set(metric.labels.keys());
  // le exists only on buckets, quantile only on the summary's own series
  if (seriesName !== `${metric.name}_bucket`) labels.delete('le');
  if (metric.type === 'summary' && seriesName !== metric.name) labels.delete('quantile');
  return labels;
}

function suggestLabel(known: ReadonlySet<string>): string {
  if (known.size === 0) return '';
  const names = [...known].filter((name) => name !== 'le' && name !== 'quantile').slice(0, 8);
  return names.length === 0 ? '' : ` (it has: ${names.join(', ')})`;
}
