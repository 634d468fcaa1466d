#!/usr/bin/env node
import { ConfigError, BrokerError } from './errors.js';
import { CHECK_HELP, HELP_HELP, TEST_RULE_HELP, mainHelp, startHelp, unknownFlagHint } from './cli-help.js';
import { packageVersion } from './version.js';

/** Each subcommand's help, as `rulemq COMMAND --help` and `rulemq help COMMAND` print it. */
async function helpOf(command: string): Promise<string | undefined> {
  switch (command) {
    case 'start':
      return startHelp();
    case 'check':
      return CHECK_HELP;
    case 'test-rule':
      return TEST_RULE_HELP;
    case 'passwd':
      return (await import('./commands/passwd.js')).PASSWD_HELP;
    case 'help':
      return HELP_HELP;
    default:
      return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `rulemq COMMAND --help` (or -h) anywhere among the arguments prints that command's help.
  if (command !== undefined && command !== 'help' && (rest.includes('--help') || rest.includes('-h'))) {
    const text = await helpOf(command);
    if (text !== undefined) {
      process.stdout.write(text);
      return 0;
    }
  }
  switch (command) {
    case 'start': {
      const { runStart } = await import('./commands/start.js');
      return runStart(rest);
    }
    case 'check': {
      const { runCheck } = await import('./commands/check.js');
      return runCheck(rest);
    }
    case 'test-rule': {
      const { runTestRule } = await import('./commands/test-rule.js');
      return runTestRule(rest);
    }
    case 'passwd': {
      const { runPasswd } = await import('./commands/passwd.js');
      return runPasswd(rest);
    }
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`rulemq ${packageVersion()}\n`);
      return 0;
    case 'help':
    case '--help':
    case '-h': {
      if (rest[0] !== undefined) {
        const text = await helpOf(rest[0] === '--help' || rest[0] === '-h' ? 'help' : rest[0]);
        if (text === undefined) {
          process.stderr.write(`rulemq help: unknown command '${rest[0]}'\n\n${HELP_HELP}`);
          return 2;
        }
        process.stdout.write(text);
        return 0;
      }
      process.stdout.write(mainHelp());
      return 0;
    }
    case undefined:
      process.stdout.write(mainHelp());
      return 2;
    default:
      process.stderr.write(`rulemq: unknown command '${command}'\n\n${mainHelp()}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let pending log writes flush before exiting.
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`rulemq: ${err.message}\n`);
    } else if (err instanceof BrokerError) {
      process.stderr.write(`rulemq: ${err.code}: ${err.message}\n`);
    } else if (err instanceof Error && (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`rulemq: ${err.message}${unknownFlagHint(err.message)}\nRun 'rulemq ${process.argv[2] ?? ''} --help' for the list of flags.\n`);
    } else {
      process.stderr.write(`rulemq: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(2);
  },
);
