/**
 * The help texts of the CLI: one per subcommand (`rulemq <command> --help`), and the overview that
 * `rulemq help` prints. The settings section is generated from the configuration schema, so every
 * flag, environment variable and YAML key is listed with its real default.
 */
import { SETTINGS, envName, flagName, shownDefault } from './config/schema.js';
import { closestName } from '../grammar/did-you-mean.js';

const COMMANDS = `Usage: rulemq <command> [options]

Commands:
  start [flags]                   start the broker (MQTT 0.0.0.0:1883, WebSocket :8083/mqtt, HTTP 127.0.0.1:18083)
  check [--connect] [FILE]        validate a rules file (default ./rules.sql); prints file:line:col: code: message per error
  test-rule --sql SQL [--context JSON]
                                  run one rule on one event as EMQX's rule tester does (exit 0 ok, 1 no match, 2 error)
  passwd [-c|-D] FILE USER        add, update (-c: new file) or delete (-D) a user of a mosquitto-compatible password file
  help [COMMAND]                  this text, or the help of COMMAND (same as rulemq COMMAND --help)
  version | --version             the version of rulemq
`;

/** Every setting of `rulemq start`: flag, environment variable, YAML key, meaning and default. */
export function settingsHelp(): string {
  const lines = [
    'Settings (a flag, a RULEMQ_* environment variable, or a key of the YAML file given with --config /',
    'RULEMQ_CONFIG; flags win over the environment, the environment over the file):',
    '',
    '  --config FILE                    RULEMQ_CONFIG                    YAML (or JSON) file of settings',
  ];
  for (const s of SETTINGS) {
    lines.push(`  --${flagName(s.key).padEnd(30)} ${envName(s.key).padEnd(32)} YAML: ${s.key}`);
    lines.push(`      ${s.doc} Default: ${shownDefault(s)}.`);
  }
  return `${lines.join('\n')}\n`;
}

export const START_HELP_HEAD = `Usage: rulemq start [flags]

Starts the broker: MQTT listeners, the rule engine (rules file: --rules, or ./rules.sql), the HTTP server
(/metrics, /healthz, /readyz, /api/v5). Runs until SIGTERM or SIGINT, then drains and exits 0.
SIGHUP reloads the rules, password and ACL files.

  -h, --help                       this text
`;

export const CHECK_HELP = `Usage: rulemq check [--connect] [FILE]

Validates a rules file the way start-up does: statement syntax, every rule's SQL, every connector and
action setting. Prints every problem as FILE:LINE:COL: CODE: message, with the line and a caret.
FILE defaults to ./rules.sql.

  --connect      also open each connector and run its connection test (reads the streams the actions name)
  -h, --help     this text

Exit status: 0 valid, 1 errors (or a failed connection test), 2 the file cannot be read or bad usage.
`;

export const TEST_RULE_HELP = `Usage: rulemq test-rule --sql SQL [--context JSON]

Runs one rule on one event as EMQX's rule tester (POST /api/v5/rule_test) does, without a broker.

  --sql SQL        the rule, e.g. 'SELECT payload.temp as t FROM "t/#" WHERE payload.temp > 30'
  --context JSON   the event: topic, payload, clientid, username... (default: a message.publish event
                   with EMQX's example values)
  -h, --help       this text

Prints the output as JSON. Exit status: 0 output, 1 no match (the reason is printed), 2 bad SQL or context.
`;

export const HELP_HELP = `Usage: rulemq help [COMMAND]

Prints the overview and every setting of rulemq start, or, with COMMAND (start, check, test-rule,
passwd, help), that command's help.
`;

export function startHelp(): string {
  return `${START_HELP_HEAD}\n${settingsHelp()}`;
}

export function mainHelp(): string {
  return `rulemq — an MQTT broker with an EMQX-compatible rule engine for HStreamDB\n\n${COMMANDS}\nRun 'rulemq COMMAND --help' for a command's options.\n\n${settingsHelp()}`;
}

/** For node's "Unknown option '--mqtt-prot'": " (did you mean --mqtt-port?)" when a start flag is close, else ''. */
export function unknownFlagHint(parseArgsMessage: string): string {
  const flag = /'--([^']+)'/.exec(parseArgsMessage)?.[1];
  if (flag === undefined) return '';
  const match = closestName(flag, ['config', 'help', ...SETTINGS.map((s) => flagName(s.key))]);
  return match === undefined ? '' : ` (did you mean --${match}?)`;
}
