/**
 * jq(Program, JSON[, TimeoutMs]): every output of a jq program, as a list.
 *
 * The real jq (jq-web, WebAssembly) runs in a worker thread; the rule thread waits for the answer synchronously
 * (Atomics.wait), so the function stays synchronous like every other built-in while a runaway program can be cut
 * off: on timeout the worker is terminated and a fresh one is started by the next call. The first call waits for
 * the worker to load jq (about 0.2 s). Each call costs about 2 ms of wall time, during which the event loop waits.
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { int, str } from './args.js';
import { RuleFunctionError } from './errors.js';
import { emqxJsonEncode, type JsonEncodeError } from './json.js';
import type { FunctionDef } from './types.js';
import { DONE, READY, type JqReply, type JqRequest } from './jq-protocol.js';

/**
 * Default per-call timeout. EMQX's default (rule_engine.jq_function_default_timeout) is 10 s, but there a stuck
 * program blocks one client's process; here it blocks the broker's event loop, so the default is shorter.
 */
export const JQ_DEFAULT_TIMEOUT_MS = 1000;

/**
 * Ceiling of the event-loop time jq may take in one turn of the loop, whatever the TimeoutMs arguments say:
 * a larger TimeoutMs is clamped to it, and the calls of one turn (several jq calls in a rule, FOREACH items, several
 * rules on one message) share it. A call that finds it spent fails at once with FUNC_JQ_ERROR.
 */
export const JQ_MAX_TIMEOUT_MS = 2000;

/** When the current turn's jq budget started (0 = no jq call this turn). */
let turnStartedAt = 0;

/** The milliseconds jq may still block in this turn; the budget is reset by the next turn of the event loop. */
function turnBudget(): number {
  const now = performance.now();
  if (turnStartedAt === 0) {
    turnStartedAt = now;
    setImmediate(() => {
      turnStartedAt = 0;
    }).unref();
  }
  return Math.max(0, JQ_MAX_TIMEOUT_MS - (now - turnStartedAt));
}
const STARTUP_TIMEOUT_MS = 10_000;

interface JqWorker {
  worker: Worker;
  flag: Int32Array;
  port: MessagePort;
}

let current: JqWorker | undefined;
let available: boolean | undefined;

function jqInstalled(): boolean {
  if (available === undefined) {
    try {
      createRequire(import.meta.url).resolve('jq-web');
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

function fail(code: 'FUNC_JQ_ERROR' | 'FUNC_BAD_ARG' | 'FUNC_UNSUPPORTED', message: string): RuleFunctionError {
  return new RuleFunctionError(code, 'jq', message);
}

function startWorker(): JqWorker {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./jq-worker.js', import.meta.url), {
    workerData: { flag, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  worker.on('error', () => {
    if (current?.worker === worker) current = undefined;
  });
  if (Atomics.wait(flag, READY, 0, STARTUP_TIMEOUT_MS) === 'timed-out') {
    void worker.terminate();
    throw fail('FUNC_UNSUPPORTED', 'the jq engine did not start');
  }
  return { worker, flag, port: port1 };
}

/** Runs `program` on the JSON text `input`; returns jq's compact stdout. */
function runJq(program: string, input: string, timeoutMs: number): string {
  const w = (current ??= startWorker());
  Atomics.store(w.flag, DONE, 0);
  const req: JqRequest = { program, input };
  w.worker.postMessage(req);
  if (Atomics.wait(w.flag, DONE, 0, timeoutMs) === 'timed-out') {
    current = undefined;
    void w.worker.terminate();
    throw fail('FUNC_JQ_ERROR', `jq program timed out after ${timeoutMs} ms`);
  }
  const reply = receiveMessageOnPort(w.port)?.message as JqReply | undefined;
  if (reply === undefined) throw fail('FUNC_JQ_ERROR', 'no reply from the jq engine');
  if (!reply.ok)
    throw fail(
      'FUNC_JQ_ERROR',
      reply.error
        .replace(/^Non-zero exit code: \d+\n/, '')
        .replace(/^jq: /, '')
        .trim(),
    );
  return reply.stdout;
}

function jq(this: void, ...args: unknown[]): unknown[] {
  if (!jqInstalled()) throw fail('FUNC_UNSUPPORTED', 'jq is not supported: the jq-web package is not installed');
  const program = str('jq', args[0], 'program');
  let input: string;
  if (typeof args[1] === 'string' || Buffer.isBuffer(args[1])) input = str('jq', args[1], 'JSON');
  else {
    try {
      input = emqxJsonEncode(args[1]);
    } catch (e) {
      throw fail('FUNC_BAD_ARG', `cannot encode the input as JSON: ${(e as JsonEncodeError).message}`);
    }
  }
  const asked = args.length >= 3 ? int('jq', args[2], 'timeout') : JQ_DEFAULT_TIMEOUT_MS;
  if (asked < 0) throw fail('FUNC_BAD_ARG', `timeout must be >= 0, got ${asked}`);
  const budget = turnBudget();
  if (budget <= 0) {
    throw fail('FUNC_JQ_ERROR', `jq calls already used this turn's ${JQ_MAX_TIMEOUT_MS} ms of event-loop time; not run`);
  }
  const out = runJq(program, input, Math.min(asked, Math.floor(budget)));
  const results: unknown[] = [];
  for (const line of out.split('\n')) {
    if (line !== '') results.push(JSON.parse(line));
  }
  return results;
}

export const jqFunctions: FunctionDef[] = [
  {
    name: 'jq',
    minArity: 2,
    maxArity: 3,
    impl: jq,
    doc:
      'jq(Program, JSON[, TimeoutMs]): the list of all outputs of the jq program run on JSON (a JSON string, or ' +
      "any value, which is JSON-encoded first). jq('.a[] | . + 1', json_decode('{\"a\": [1, 2]}')) = [2, 3]. " +
      'Program errors and timeouts raise FUNC_JQ_ERROR. Runs the real jq (WebAssembly) in a worker thread; ' +
      'rulemq differences: the default timeout is 1000 ms (EMQX: 10 s) because the broker waits for the answer, ' +
      'TimeoutMs is capped at 2000 ms, and all jq calls of one event-loop turn share those 2000 ms (a call that ' +
      'finds them spent raises FUNC_JQ_ERROR); each call costs about 2 ms.',
  },
];
