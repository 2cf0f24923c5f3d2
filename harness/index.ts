// The package's face for scenario scripts written outside this checkout: `import { defineScenario } from
// 'headroom'` types a scenario (k6's option types included), so a mistake is an editor error.
export { defineScenario } from './config';
export type {
  DrainDrill,
  DrillSpec,
  EndpointSpec,
  Guards,
  HoldDrill,
  LoseDcDrill,
  ParamSpec,
  RedlineDrill,
  Safety,
  ScenarioInput,
  ScenarioMix,
  SweepDrill,
} from './config';
