/** `rulemq check FILE` — wired to the rules loader in rules/. */
export async function runCheck(_argv: string[]): Promise<number> {
  process.stderr.write('rulemq check: not available yet\n');
  return 2;
}
