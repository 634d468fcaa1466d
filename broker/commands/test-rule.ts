/** `rulemq test-rule` — wired to rules/tester.ts. */
export async function runTestRule(_argv: string[]): Promise<number> {
  process.stderr.write('rulemq test-rule: not available yet\n');
  return 2;
}
