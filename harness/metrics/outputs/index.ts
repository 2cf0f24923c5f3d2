// metrics/outputs/: live consumers of the sample stream: k6's NDJSON points (`--out json=FILE`) and an
// OpenMetrics endpoint (`--out prometheus[=ADDR]`), both behind SampleSink; parseOutFlag reads the flag.
export { recordsToSamples, storeListener } from './sink';
export type { RecordListener, SampleSink, SampleTags, StoreSampleListener } from './sink';
export { JsonOutput } from './json';
export type { JsonOutputOptions } from './json';
export { PrometheusOutput, defaultPrometheusAddress, drillStates, parseAddress } from './prometheus';
export type { DrillState, StepInfo } from './prometheus';
export { parseOutFlag, splitOutFlags } from './out-flag';
export type { OutSpec } from './out-flag';
export { openOutputs } from './open';
export type { OpenOutputs } from './open';
export { prometheusLiveView } from './live-view';
export type { LiveStateLike, LiveViewLike } from './live-view';
