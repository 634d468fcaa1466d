import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS, envName, flagName } from '../../broker/config/schema.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rulemq help', () => {
  for (const command of ['start', 'check', 'test-rule', 'passwd', 'help']) {
    test(`${command} --help, ${command} -h and help ${command} print the command's usage and exit 0`, () => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const r = run(...args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: rulemq ${command}\\b`), args.join(' '));
        assert.equal(r.stderr, '');
      }
    });
  }

  test('start --help lists every flag, environment variable and YAML key with its real default', () => {
    const r = run('start', '--help');
    for (const s of SETTINGS) {
      assert.match(r.stdout, new RegExp(`--${flagName(s.key)} +${envName(s.key)} +YAML: ${s.key}\\n`), s.key);
    }
    assert.doesNotMatch(r.stdout, /default: none|Default: \.$|Default: \(?none/im);
    assert.match(r.stdout, /YAML: rules\n.*Default: \.\/rules\.sql\./);
    assert.match(r.stdout, /YAML: nodeName\n.*Default: rulemq@<hostname>\./);
    assert.match(r.stdout, /YAML: mqttPort\n.*Default: 1883\./);
    assert.match(r.stdout, /YAML: tlsCert\n.*Default: not set\./);
  });

  test('rulemq help without a command shows the commands and the settings', () => {
    const r = run('help');
    assert.equal(r.code, 0);
    for (const c of ['start', 'check', 'test-rule', 'passwd', 'help', 'version']) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'));
    assert.match(r.stdout, /YAML: maxPacketBytes/);
    assert.equal(run('help', 'frobnicate').code, 2);
  });

  test('--version and version print the package version', () => {
    for (const arg of ['--version', 'version', '-v']) {
      const r = run(arg);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `rulemq ${PKG.version}\n`);
    }
  });

  test('a misspelt flag names the flag it resembles', () => {
    const r = run('start', '--mqtt_port', '1884');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--mqtt_port'.*\(did you mean --mqtt-port\?\)/);
    assert.match(r.stderr, /rulemq start --help/);
  });
});
