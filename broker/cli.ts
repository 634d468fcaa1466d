#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError, BrokerError } from './errors.js';
import { SETTINGS, envName, flagName } from './config/schema.js';

const USAGE = `rulemq — an MQTT broker with an EMQX-compatible rule engine for HStreamDB

Usage:
  rulemq start [flags]            start the broker (defaults: MQTT 0.0.0.0:1883, WS :8083/mqtt, HTTP 127.0.0.1:18083)
  rulemq check [--connect] FILE   validate a rules file; prints file:line:col: code: message per error
  rulemq test-rule --sql SQL [--context JSON]
                                  run one rule on one event as EMQX's rule tester does (exit 0 ok, 1 no match, 2 error)
  rulemq passwd [-c|-D] FILE USER [--password P]
                                  add, update (-c: new file) or delete (-D) a user of a mosquitto-compatible
                                  password file; the password comes from --password or stdin
  rulemq help | --help            this text
  rulemq version | --version

Flags of start (also RULEMQ_* environment variables, or keys of --config FILE (YAML); flags win over env, env over file):
  --config FILE
${SETTINGS.map((s) => `  --${flagName(s.key).padEnd(26)} ${envName(s.key).padEnd(32)} ${s.doc} (default: ${s.default ?? 'none'})`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
    case '-v': {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`rulemq ${pkg.version}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`rulemq: unknown command '${command}'\n\n${USAGE}`);
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
      process.stderr.write(`rulemq: ${err.message}\nRun 'rulemq help' for the list of flags.\n`);
    } else {
      process.stderr.write(`rulemq: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(2);
  },
);
