// How a request ended without an answer: a connection fault (the server, or the way to it, is gone) or a
// timeout (a busy server is late). Transports report it beside the failure; the engine's listeners hear it,
// so that the drill tells a dead server (marked out) from an overloaded one (judged by its guards).

/** Refused, reset before any response, no route, or closed without a response: a fault, never overload. */
export type ConnectionFault = 'ECONNREFUSED' | 'ECONNRESET' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'closed';
export type Unanswered = ConnectionFault | 'timeout';

/** Hears a request to `replica` that ended at `atMs` (Unix ms, the samples' clock) without an answer. */
export type UnansweredListener = (replica: string, why: Unanswered, atMs: number) => void;

const codes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);
/** A write to a socket the peer closed, undici's "other side closed": closed without a response. */
const closedCodes: ReadonlySet<string> = new Set(['EPIPE', 'UND_ERR_SOCKET']);

/** The fault of a transport error, when it came before any byte of the response; undefined otherwise. */
export function connectionFault(err: unknown, answered: boolean): ConnectionFault | undefined {
  if (answered) return undefined;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (codes.has(code)) return code as ConnectionFault;
  return closedCodes.has(code) ? 'closed' : undefined;
}

/** The fault named in an error text (gRPC's UNAVAILABLE details: "connect ECONNREFUSED 127.0.0.1:9090"). */
export function connectionFaultIn(text: string): ConnectionFault | undefined {
  const m = /\b(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/.exec(text);
  return m ? (m[1] as ConnectionFault) : undefined;
}

export function isConnectionFault(why: Unanswered): why is ConnectionFault {
  return why !== 'timeout';
}

/** How a step annotation says it. */
export const unansweredText: Record<Unanswered, string> = {
  ECONNREFUSED: 'connection refused (ECONNREFUSED)',
  ECONNRESET: 'connection reset (ECONNRESET)',
  EHOSTUNREACH: 'no route to host (EHOSTUNREACH)',
  ENETUNREACH: 'network unreachable (ENETUNREACH)',
  closed: 'connection closed without a response',
  timeout: 'timed out',
};
