/**
 * The one base of rulemq's typed errors. Each area keeps a catalogue — code → one line saying what
 * it means — in its own errors.ts (a test checks every thrown code is listed and documented) and
 * throws CodedError subclasses carrying one of its codes. `code` is stable; the message is for people.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An area's catalogue of error codes: each code with the line that documents it. */
export type CodeCatalogue<Code extends string> = Readonly<Record<Code, string>>;
