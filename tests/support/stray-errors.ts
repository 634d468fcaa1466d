/**
 * Records exceptions and rejections that no test awaited. node:test fails the whole file on one
 * but, once the test that caused it has finished, prints only "test failed"; a file that asserts
 * `none()` in its last `after` hook names the error instead.
 */
export function recordStrayErrors(): { none(): void } {
  const seen: string[] = [];
  const record = (err: unknown) => seen.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    none() {
      process.off('uncaughtException', record);
      process.off('unhandledRejection', record);
      if (seen.length > 0) throw new Error(`${seen.length} error(s) reached no test:\n${seen.join('\n---\n')}`);
    },
  };
}
