// metrics/: samples into HDR histograms per tag-set per second, sliding windows, k6 thresholds and summary.
export { Metrics } from './store';
export {
  metricCatalog,
  metricTypes,
  metricProtocol,
  requestMetrics,
  isResourceMetric,
  isSmoothMetric,
} from './catalog';
export type { MetricFacts, MetricSource, MetricType } from './catalog';
export type { MetricsOptions, WindowOptions, WindowSummary } from './store';
export { Series, slotMs } from './series';
export type { SampleListener, SampleOutcome } from './series';
export { tagNames, tagKey, matchesFilter, isTagName } from './tags';
export type { Tags, TagName } from './tags';
export {
  parseThresholds,
  evaluateThreshold,
  compare as compareThreshold,
  thresholdName,
  aggregate,
  parseMetricKey,
  parseExpression,
} from './thresholds';
export type { Threshold, ThresholdInput, Aggregation, Operator } from './thresholds';
export { k6Summary, failedThresholds } from './summary';
export type { K6Summary, K6MetricSummary } from './summary';
export { sparseOf, mergeSparse, percentileUs, emptySparse, newHistogram } from './histogram';
export type { Histogram, Sparse } from './histogram';
export * from './outputs';
export { handleSummaryData, summaryTrendStats } from './handle-summary';
export type { HandleSummaryData, HandleSummaryMetric } from './handle-summary';
