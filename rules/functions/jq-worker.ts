/**
 * Worker thread that runs jq programs for jq.ts with jq-web (jq compiled to WebAssembly).
 *
 * The main thread blocks on a shared flag while this thread works, so a runaway program can be abandoned (the
 * worker is terminated) when the caller's timeout expires. Protocol (jq-protocol.ts): flag[READY] = 1 once jq is
 * loaded; for each request the reply goes to `port` and flag[DONE] is set to 1. Only ever loaded as a worker.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DONE, READY, type JqReply, type JqRequest } from './jq-protocol.js';

interface JqWeb {
  raw(input: string, program: string, flags: string[]): string;
}

async function main(): Promise<void> {
  const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };
  const require = createRequire(import.meta.url);
  const jq = (await (require('jq-web') as Promise<JqWeb>)) as JqWeb;
  Atomics.store(flag, READY, 1);
  Atomics.notify(flag, READY);
  parentPort!.on('message', (req: JqRequest) => {
    let reply: JqReply;
    try {
      reply = { ok: true, stdout: jq.raw(req.input, req.program, ['-c']) ?? '' };
    } catch (e) {
      reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
    Atomics.store(flag, DONE, 1);
    Atomics.notify(flag, DONE);
  });
}

void main();
