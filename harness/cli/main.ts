// argv to command to exit code. Thin: each command lives in its own file and returns its exit code.
import { ExitCode, HeadroomError, optionsFromEnv } from '../common';
import { type CliIo, type Command, processIo } from './io';
import { processShutdown } from './shutdown';

const commands: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  up: { summary: "start a cluster file's replicas and wait until they are healthy", load: () => import('./up') },
  down: { summary: "remove a cluster's replicas", load: () => import('./down') },
  status: { summary: "show a cluster's replicas [--json]", load: () => import('./status') },
  load: {
    summary: 'ad-hoc load against one URL: --rate N or --vus N for --duration D, or ramped (--stage D:N)',
    load: () => import('./load'),
  },
  drill: {
    summary: 'run a scenario script: redlines, drains, DC loss; writes reports/<run-id>/',
    load: () => import('./drill'),
  },
  plan: {
    summary: 'servers per DC from redlines and a forecast, surviving the loss of any one DC',
    load: () => import('./plan'),
  },
  report: { summary: "re-render a run's report from its files", load: () => import('./report') },
  compare: { summary: "compare two runs' redlines; exit 99 on a regression", load: () => import('./compare') },
  history: {
    summary: 'redlines per server type over past runs, their trend per week and the runs that regressed',
    load: () => import('./history'),
  },
  export: {
    summary: 'a scenario as a k6 script and a k6-operator TestRun: export k6 <scenario.ts> --out DIR',
    load: () => import('./export'),
  },
  agent: {
    summary: 'serve the load engine to a drill controller over gRPC (a generator agent)',
    load: () => import('./agent'),
  },
  edge: {
    summary: 'edge restore <run>: put back the HAProxy weights a run saved; edge release: free a claim on an edge',
    load: () => import('./edge'),
  },
};

/** The commands' names (CI pipeline checks read them). */
export const commandNames: readonly string[] = Object.keys(commands);

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: headroom <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io?: CliIo): Promise<number> {
  // A closed terminal or SSH session (SIGHUP) stops a run like Ctrl-C; a second signal forces the exit.
  const shutdown = processShutdown();
  const onSignal = (sig: NodeJS.Signals) => {
    // With the terminal gone, writing to it fails (EIO): the run goes on without its console.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    shutdown.onSignal(sig);
  };
  const ownSignals = !io;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  if (ownSignals) for (const sig of signals) process.on(sig, onSignal);
  const cliIo = io ?? processIo(shutdown.signal, shutdown);
  try {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      cliIo.stdout.write(usage());
      return name ? ExitCode.ok : ExitCode.usage;
    }
    const command = commands[name];
    if (!command) {
      cliIo.stderr.write(`headroom: unknown command '${name}'\n\n${usage()}`);
      return ExitCode.usage;
    }
    const env = optionsFromEnv(cliIo.env);
    const mod = await command.load();
    return await mod.run(rest, cliIo, env);
  } catch (err) {
    if (err instanceof HeadroomError) {
      cliIo.stderr.write(`headroom: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    throw err;
  } finally {
    shutdown.done();
    if (ownSignals) for (const sig of signals) process.off(sig, onSignal);
  }
}
