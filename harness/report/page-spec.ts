// The shapes of what the report page shows: sections of tiles, tables and declarative charts
// (datasets, axes) with the table of their numbers. The page script only draws them.
import type { Summary } from '../results';

export type CellValue = string | number | null;

export interface TableSpec {
  columns: string[];
  rows: CellValue[][];
}

export interface DatasetSpec {
  label: string;
  /** Points {x, y} on a linear x axis, or values matching `labels`. */
  data: ({ x: number; y: number | null } | number | null)[];
  type?: 'line' | 'bar' | 'scatter';
  axis?: 'y' | 'y2';
  color: string;
  dashed?: boolean;
  stack?: string;
  pointRadius?: number;
  /** Line drawn between points (scatter). */
  showLine?: boolean;
  /** 'shape': fill the closed path the points draw (an interval band). */
  fill?: boolean | 'shape';
}

export interface AxisSpec {
  title: string;
  type?: 'linear' | 'logarithmic' | 'category';
  min?: number;
  max?: number;
  /** Values are shares 0..1 shown as %. */
  percent?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  type: 'line' | 'bar' | 'scatter';
  labels?: string[];
  datasets: DatasetSpec[];
  x: AxisSpec;
  y: AxisSpec;
  y2?: AxisSpec;
  stacked?: boolean;
  /** The table is too wide to sit beside the chart: put it below. */
  tableBelow?: boolean;
  table: TableSpec;
}

export interface Tile {
  label: string;
  value: string;
  detail?: string;
  tone?: 'good' | 'bad' | 'warn' | 'neutral';
}

export interface SectionSpec {
  id: string;
  title: string;
  intro?: string;
  tiles?: Tile[];
  tables?: ({ title: string } & TableSpec)[];
  charts: ChartSpec[];
}

export interface ReportData {
  title: string;
  runId: string;
  scenario: string;
  cluster: string;
  status: Summary['status'];
  /** Why the run failed, shown beside the badge: `threshold http_req_failed: rate<0.05`, `survivor use1 lost → usw2`, `regression small`. */
  reasons: string[];
  verdict: string[];
  facts: [string, string][];
  sections: SectionSpec[];
  generatedBy: string;
}
