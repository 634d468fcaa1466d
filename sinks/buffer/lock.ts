/**
 * One owner per buffer directory: a process-wide set (two actions of one process) and a `lock`
 * file holding the owner's pid (two processes). A lock left by a process that died (kill -9) is
 * taken over: its pid no longer answers signal 0.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BufferError } from './errors.js';

const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory or throws BUFFER_LOCKED; returns the function that releases it. */
export function lockDir(dir: string): () => void {
  const key = resolve(dir);
  if (held.has(key)) throw new BufferError('BUFFER_LOCKED', `buffer_dir '${dir}' is already used by another action; give each action its own buffer_dir`);
  const file = join(key, 'lock');
  let owner = NaN;
  try {
    owner = Number(readFileSync(file, 'utf8').trim());
  } catch {
    // no lock file
  }
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
    throw new BufferError('BUFFER_LOCKED', `buffer_dir '${dir}' is in use by process ${owner} (remove ${file} if that process is not rulemq)`);
  }
  writeFileSync(file, `${process.pid}\n`);
  held.add(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(key);
    rmSync(file, { force: true });
  };
}
