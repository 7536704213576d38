/** Metric families of the synthetic exporters, described by constant values and rates. */

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

export interface CounterSeries {
  readonly labels: Labels;
  /** Increase per second. */
  readonly rate: number;
}

export interface GaugeSeries {
  readonly labels: Labels;
  readonly value: number;
}

export interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per second. */
  readonly rate: number;
  /** Mean observed value (for `_sum`). */
  readonly mean: number;
  /** Cumulative fraction of observations at or below each bucket bound. */
  readonly cumulative: readonly number[];
}

export interface SummarySeries {
  readonly labels: Labels;
  readonly rate: number;
  readonly mean: number;
  readonly quantiles: Readonly<Record<string, number>>;
}

/** One metric family. */
export type Family =
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'counter';
      readonly series: CounterSeries[];
    }
  | { readonly name: string; readonly help: string; readonly type: 'gauge'; readonly series: GaugeSeries[] }
  | {
      readonly name: string;
      readonly help: string;
      /** A gauge whose value grows at a constant rate (e.g. a log-end offset). */
      readonly type: 'growing-gauge';
      readonly series: CounterSeries[];
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'histogram';
      readonly buckets: readonly number[];
      readonly series: HistogramSeries[];
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly type: 'summary';
      readonly series: SummarySeries[];
    };
