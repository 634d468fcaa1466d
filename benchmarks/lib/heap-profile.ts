/**
 * Reads a sampling heap profile (.heapprofile, as broker-child.ts writes with BENCH_ALLOC_DIR): bytes
 * allocated by each function, objects that died young included. What the GC has to sweep per message
 * is what this shows; a CPU profile only shows the GC's time.
 */
import { readFileSync } from 'node:fs';

/** A function's place as V8's CPU and heap profiles give it. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

// ES modules come as file:// URLs, CommonJS ones (most of node_modules) as plain paths.
const shortUrl = (u: string) => u.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^\/.*?\/node_modules\//, 'node_modules/');

/** `name dist/…/file.js:line` (1-based), how both profile summaries name a function. */
export function frameLabel(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
}

/** Prints the `top` allocating functions by bytes (self), as shares and, given `messages`, bytes per message. */
export function printAllocations(file: string, messages = 0, top = 30): void {
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const bytes = new Map<string, number>();
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const label = frameLabel(n.callFrame);
    bytes.set(label, (bytes.get(label) ?? 0) + n.selfSize);
    total += n.selfSize;
    stack.push(...n.children);
  }
  const per = (b: number) =>
    messages > 0
      ? `${Math.round(b / messages)
          .toString()
          .padStart(6)} B/msg  `
      : '';
  console.log(`allocated (sampled): ${(total / 1e6).toFixed(1)} MB${messages ? `, ${Math.round(total / messages)} B per message` : ''}\n`);
  for (const [fn, b] of [...bytes].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    console.log(`  ${((b / total) * 100).toFixed(1).padStart(5)} %  ${per(b)}${fn}`);
  }
}
