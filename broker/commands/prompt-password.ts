/**
 * Reads a password from a terminal without echoing it, as mosquitto_passwd and passwd(1) do: the
 * terminal is put in raw mode, so the typed characters are never displayed, and restored afterwards.
 * Enter ends the line; Backspace erases; Ctrl-C or Ctrl-D on an empty line abort (null).
 */
export async function promptHidden(input: NodeJS.ReadStream, output: NodeJS.WritableStream, prompt: string): Promise<string | null> {
  const tty = input as NodeJS.ReadStream & { setRawMode?(on: boolean): void; isRaw?: boolean };
  const wasRaw = tty.isRaw === true;
  // Echo goes off before the prompt shows: an answer typed the moment the prompt appears is never displayed.
  tty.setRawMode?.(true);
  output.write(prompt);
  input.resume();
  try {
    return await new Promise<string | null>((resolve) => {
      let typed = '';
      const finish = (value: string | null) => {
        input.off('data', onData);
        input.off('end', onEnd);
        output.write('\n');
        resolve(value);
      };
      const onEnd = () => finish(null);
      const onData = (chunk: Buffer | string) => {
        for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
          switch (ch) {
            case '\r':
            case '\n':
              finish(typed);
              return;
            case '\u0003': // Ctrl-C
              finish(null);
              return;
            case '\u0004': // Ctrl-D
              if (typed === '') {
                finish(null);
                return;
              }
              break;
            case '\u007f': // Backspace (DEL), and Ctrl-H below
            case '\b':
              typed = [...typed].slice(0, -1).join('');
              break;
            default:
              if (ch >= ' ') typed += ch;
          }
        }
      };
      input.on('data', onData);
      input.once('end', onEnd);
    });
  } finally {
    tty.setRawMode?.(wasRaw);
    input.pause();
  }
}

/** Prompts twice; returns the password, or an error message when the two differ or input ended. */
export async function promptNewPassword(input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<{ password: string } | { problem: string }> {
  const first = await promptHidden(input, output, 'Password: ');
  if (first === null) return { problem: 'no password entered' };
  const second = await promptHidden(input, output, 'Reenter password: ');
  if (second === null) return { problem: 'no password entered' };
  if (first !== second) return { problem: 'passwords do not match' };
  return { password: first };
}
