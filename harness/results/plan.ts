// The plan's shape as summary.json carries it (capacity/ computes it; the report reads it back).

export interface PlanOptions {
  /** Run servers at most at this share of their redline (0 < u <= 1). */
  utilization: number;
  /** Spare servers per pool (N+k). */
  spares: number;
  /** Growth applied to a DC's peak when its forecast row has no growth of its own. */
  growth: number;
  /** Today's fleet is flagged over-provisioned when it carries more than this multiple of the load with the worst DC lost. */
  overProvisionedRatio: number;
}

export type FleetStatus = 'short' | 'ok' | 'over-provisioned' | 'unknown';

export interface PlanRow {
  dc: string;
  /** Clusters with several tiers: the tier these servers run (redlines in front req/s per replica). */
  tier?: string;
  serverType: string;
  /** Redline used, req/s per replica. */
  redlineRps: number;
  /** The DC's peak after growth, req/s. */
  peakRps: number;
  normal: number;
  withDcLoss: number;
  /** The DC whose loss sets withDcLoss; null when no loss adds load (one DC, or nothing to absorb). */
  bindingLoss: string | null;
  /** Load on this DC in the binding case, req/s. */
  bindingLoadRps: number;
  /** Servers of this type the DC runs today; null when the forecast does not say. */
  current: number | null;
  /** Hourly cost of withDcLoss servers of this type. */
  costPerHour: number;
}

/** Today's fleet of one DC (all its types together) against the binding case. */
export interface FleetRow {
  dc: string;
  /** Servers per type today, from the forecast; empty when the forecast does not say. */
  current: Record<string, number>;
  /** What today's servers carry at the target utilization, spares set aside: sum over types of max(0, current - k) × R × u; null when unknown. */
  capacityRps: number | null;
  bindingLoss: string | null;
  bindingLoadRps: number;
  /** capacityRps - bindingLoadRps (negative = short); null when unknown. */
  headroomRps: number | null;
  /** short: headroom < 0; over-provisioned: capacity above overProvisionedRatio × the binding load; unknown: no current_<type> column. */
  status: FleetStatus;
}

export interface RecommendedRow {
  dc: string;
  tier?: string;
  serverType: string;
  servers: number;
  costPerHour: number;
}

export interface Plan {
  options: PlanOptions;
  plan: PlanRow[];
  recommended: RecommendedRow[];
  /** Headroom of today's fleet per DC (mixed types summed). */
  fleet: FleetRow[];
  /** Sum of the recommended rows' cost per hour. */
  totalCostPerHour: number;
  /** Clusters with several tiers: the tier that needs the most servers per front req/s (the lowest capacity per replica × cost). */
  bottleneckTier?: string;
}
