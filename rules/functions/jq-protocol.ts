/** Messages and shared-flag slots between jq.ts (rule thread) and jq-worker.ts (worker thread). */

/** Int32Array slot set to 1 when a reply has been posted. */
export const DONE = 0;
/** Int32Array slot set to 1 once the worker has loaded jq. */
export const READY = 1;

export interface JqRequest {
  program: string;
  input: string;
}

export type JqReply = { ok: true; stdout: string } | { ok: false; error: string };
