// The zod schema of a scenario: the same shape as scenario-types.ts, checked at load time so a
// mistake in plain JS (or a transpile-only run) is a clear error naming the field.
import { z } from 'zod';
import { parseDuration } from '../common';

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: "expected a duration like '500ms', '5s' or '1m30s'",
});
const positive = z.number().refine((v) => Number.isFinite(v) && v > 0, { message: 'expected a number > 0' });
const share = z.number().refine((v) => v >= 0 && v <= 1, { message: 'expected a number from 0 to 1' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'expected a name of letters, digits, . _ -' });

const param = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('uniform'), min: z.number().int(), max: z.number().int() }),
  z.strictObject({ kind: z.literal('zipf'), min: z.number().int(), max: z.number().int(), s: positive.optional() }),
  z.strictObject({ kind: z.literal('sequence'), min: z.number().int(), max: z.number().int() }),
]);

const endpoint = z.discriminatedUnion('protocol', [
  z.strictObject({
    name: z.string().min(1),
    weight: positive,
    protocol: z.literal('http'),
    method: z.string().optional(),
    path: z.string().startsWith('/', { message: "expected a path starting with '/'" }),
    body: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeout: duration.optional(),
    tier: z.string().min(1).optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    weight: positive,
    protocol: z.literal('grpc'),
    proto: z.string().min(1),
    service: z.string().min(1),
    method: z.string().min(1),
    message: z.record(z.string(), z.unknown()),
    timeout: duration.optional(),
    tier: z.string().min(1).optional(),
  }),
]);

const mix = z.strictObject({
  endpoints: z.array(endpoint).min(1, { message: 'expected at least one endpoint' }),
  params: z.record(z.string(), param).optional(),
});

const threshold = z.union([
  z.string().min(1),
  z.strictObject({
    threshold: z.string().min(1),
    abortOnFail: z.boolean().optional(),
    delayAbortEval: duration.optional(),
    window: duration.optional(),
  }),
]);
const thresholds = z.record(z.string(), z.array(threshold).min(1, { message: 'expected at least one expression' }));

const timing = { settle: duration.optional(), measure: duration.optional() };
const poolChoice = {
  serverTypes: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).optional(),
  pool: z
    .string()
    .regex(/^[^/]+\/([^/]+\/)?[^/]+$/, { message: "expected a pool '<dc>/<serverType>' or '<dc>/<tier>/<serverType>'" })
    .optional(),
  tier: z.string().min(1).optional(),
};

const redline = z
  .strictObject({
    kind: z.literal('redline'),
    name,
    ...timing,
    ...poolChoice,
    startRps: positive,
    maxRps: positive,
    rampFactor: z
      .number()
      .min(1.2, { message: 'expected a factor from 1.2 to 4' })
      .max(4, { message: 'expected a factor from 1.2 to 4' })
      .optional(),
    resolution: z
      .number()
      .min(0.005, { message: 'expected a fraction from 0.005 to 0.5' })
      .max(0.5, { message: 'expected a fraction from 0.005 to 0.5' })
      .optional(),
    repeatUnstable: z.number().int().min(0).max(5).optional(),
    repeats: z
      .number()
      .int()
      .min(1, { message: 'expected a whole number of searches from 1 to 9' })
      .max(9, { message: 'expected a whole number of searches from 1 to 9' })
      .optional(),
    precision: z
      .number()
      .min(0.005, { message: 'expected a share of the redline from 0.005 to 0.5' })
      .max(0.5, { message: 'expected a share of the redline from 0.005 to 0.5' })
      .optional(),
    budget: duration.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.maxRps < d.startRps)
      ctx.addIssue({
        code: 'custom',
        path: ['maxRps'],
        input: d.maxRps,
        message: `expected maxRps >= startRps (${d.startRps})`,
      });
  });

const sweep = z
  .strictObject({
    kind: z.literal('sweep'),
    name,
    ...timing,
    ...poolChoice,
    from: positive.optional(),
    to: positive.optional(),
    aroundRedline: z.tuple([positive, positive]).optional(),
    spacing: z.number().min(0.005).max(0.5).optional(),
    stopAtBreach: z.boolean().optional(),
  })
  .superRefine((d, ctx) => {
    const absolute = d.from !== undefined || d.to !== undefined;
    if (absolute && d.aroundRedline)
      ctx.addIssue({
        code: 'custom',
        path: ['aroundRedline'],
        input: d.aroundRedline,
        message: 'expected either from/to or aroundRedline, not both',
      });
    if (!absolute && !d.aroundRedline)
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        input: undefined,
        message: 'expected from and to (req/s per replica) or aroundRedline: [low, high]',
      });
    if (absolute && (d.from === undefined || d.to === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [d.from === undefined ? 'from' : 'to'],
        input: undefined,
        message: 'expected both from and to',
      });
    if (d.from !== undefined && d.to !== undefined && d.to < d.from)
      ctx.addIssue({ code: 'custom', path: ['to'], input: d.to, message: `expected to >= from (${d.from})` });
    if (d.aroundRedline && d.aroundRedline[1] < d.aroundRedline[0])
      ctx.addIssue({
        code: 'custom',
        path: ['aroundRedline'],
        input: d.aroundRedline,
        message: 'expected [low, high] with low <= high',
      });
  });

const drainTarget = z.union(
  [
    z.strictObject({ region: z.string().min(1) }),
    z.strictObject({ dc: z.string().min(1) }),
    z.strictObject({ pool: z.string().regex(/^[^/]+\/[^/]+$/, { message: "expected a pool '<dc>/<serverType>'" }) }),
  ],
  { message: 'expected exactly one of { region }, { dc } or { pool }' },
);

const drain = z.strictObject({
  kind: z.literal('drain'),
  name,
  ...timing,
  target: drainTarget,
  totalRps: positive.optional(),
  steps: z.number().int().min(2, { message: 'expected at least 2 steps' }).max(50).optional(),
});

const loseDc = z.strictObject({
  kind: z.literal('lose-dc'),
  name,
  ...timing,
  dc: z.string().min(1),
  mode: z.enum(['weight', 'kill']).optional(),
  totalRps: positive.optional(),
});

const hold = z.strictObject({
  kind: z.literal('hold'),
  name,
  ...timing,
  totalRps: positive.optional(),
  steps: z.number().int().min(1).max(1000).optional(),
});

const drill = z.discriminatedUnion('kind', [redline, sweep, drain, loseDc, hold], {
  error: (iss) =>
    iss.code === 'invalid_union' ? "expected kind 'redline', 'sweep', 'drain', 'lose-dc' or 'hold'" : undefined,
});

export const scenarioSchema = z
  .strictObject({
    name,
    description: z.string().optional(),
    cluster: z.string().min(1),
    mix,
    baselineRps: positive,
    timeout: duration.optional(),
    maxInFlight: z.number().int().positive().optional(),
    guards: thresholds.refine((g) => Object.keys(g).length > 0, { message: 'expected at least one guard' }),
    guardWindow: duration.optional(),
    guardDelay: duration.optional(),
    safety: z.strictObject({ maxErrorRate: share, maxTotalRps: positive, window: duration.optional() }),
    thresholds: thresholds.optional(),
    forecast: z.string().min(1).optional(),
    settle: duration.optional(),
    measure: duration.optional(),
    minRequests: z.number().int().min(1).max(100_000).optional(),
    maxMeasure: duration.optional(),
    drills: z.array(drill).min(1, { message: 'expected at least one drill' }),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.drills.forEach((d, i) => {
      if (seen.has(d.name))
        ctx.addIssue({
          code: 'custom',
          path: ['drills', i, 'name'],
          input: d.name,
          message: 'expected a drill name unique in the scenario',
        });
      seen.add(d.name);
    });
  });
