import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOLS } from '../support/protocols.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { makeTestCerts } from '../support/certs.js';
import type { RunningBroker } from '../../broker/index.js';
import { formatHash, hashPassword } from '../../broker/auth/password-hash.js';
import { BrokerError } from '../../broker/errors.js';
import { Authenticator } from '../../broker/auth/authenticator.js';
import type { Client } from 'aedes';
import { openSession } from './support/session.js';
import { connect, subscribe, CONNACK_OK } from '../support/wire.js';

const dir = mkdtempSync(join(tmpdir(), 'rulemq-auth-'));
const MOSQUITTO_PASSWD = ['/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd'].find((p) => existsSync(p));

async function line(user: string, password: string): Promise<string> {
  return `${user}:${formatHash(await hashPassword(password))}`;
}

/** Sends CONNECT on a raw TCP session and returns the CONNACK return code and whether the broker then closed. */
async function rawConnack(broker: RunningBroker, id: string, creds: { username?: string; password?: string }): Promise<{ code: number; closed: boolean }> {
  const s = await openSession(broker, 'tcp');
  try {
    s.write(connect(id, creds));
    const reply = await s.read(4);
    assert.equal(reply.subarray(0, 3).toString('hex'), '200200');
    return { code: reply[3], closed: await s.waitClosed(reply[3] === 0 ? 200 : 5000) };
  } finally {
    s.destroy();
  }
}

describe('password authentication with anonymous access off', () => {
  let broker: RunningBroker;
  const passwordFile = join(dir, 'passwd');
  let bobLine = '';
  before(async () => {
    bobLine = await line('bob', 'builder');
    writeFileSync(passwordFile, `# test users\n${await line('alice', 'wonderland')}\n${bobLine}\n`);
    broker = await startTestBroker({ allowAnonymous: false, passwordFile });
  });
  after(async () => broker.close(1000));

  test('the right password gets CONNACK 0 and the connection stays up', async () => {
    assert.deepEqual(await rawConnack(broker, 'a1', { username: 'alice', password: 'wonderland' }), { code: 0, closed: false });
  });

  test('a wrong password gets CONNACK 5 (not authorized, as mosquitto) and a close', async () => {
    assert.deepEqual(await rawConnack(broker, 'a2', { username: 'alice', password: 'nope' }), { code: 5, closed: true });
  });

  test('an unknown user gets CONNACK 5 and a close', async () => {
    assert.deepEqual(await rawConnack(broker, 'a3', { username: 'mallory', password: 'wonderland' }), { code: 5, closed: true });
  });

  test('a user without a password gets CONNACK 5', async () => {
    assert.deepEqual(await rawConnack(broker, 'a4', { username: 'alice' }), { code: 5, closed: true });
  });

  test('an anonymous client gets CONNACK 5', async () => {
    assert.deepEqual(await rawConnack(broker, 'a5', {}), { code: 5, closed: true });
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: MQTT.js sees the refusals (${protocolVersion === 5 ? '0x86 bad credentials, 0x87 anonymous' : 'code 5'}) and success`, async () => {
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      await assert.rejects(
        connectClient(url, { clientId: `j1-${protocolVersion}`, username: 'alice', password: 'bad', protocolVersion }),
        (err: { code?: number }) => err.code === (protocolVersion === 5 ? 0x86 : 5),
      );
      await assert.rejects(
        connectClient(url, { clientId: `j2-${protocolVersion}`, username: 'nobody', password: 'x', protocolVersion }),
        (err: { code?: number }) => err.code === (protocolVersion === 5 ? 0x86 : 5),
      );
      await assert.rejects(
        connectClient(url, { clientId: `j3-${protocolVersion}`, protocolVersion }),
        (err: { code?: number }) => err.code === (protocolVersion === 5 ? 0x87 : 5),
      );
      const ok = await connectClient(url, { clientId: `j4-${protocolVersion}`, username: 'bob', password: 'builder', protocolVersion });
      assert.equal(ok.connected, true);
      await endAll(ok);
    });
  }

  test('outcomes are counted by result', async () => {
    const text = (await httpGet(broker.ports.http, '/metrics')).text;
    assert.ok(metricValue(text, 'rulemq_auth_total', 'result="success"') >= 2);
    assert.ok(metricValue(text, 'rulemq_auth_total', 'result="bad_password"') >= 3);
    assert.ok(metricValue(text, 'rulemq_auth_total', 'result="unknown_user"') >= 2);
    assert.ok(metricValue(text, 'rulemq_auth_total', 'result="anonymous_refused"') >= 2);
  });

  test('a reload adds users, and disconnects a client whose password changed', async () => {
    const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
    const alice = await connectClient(url, { clientId: 'reload-alice', username: 'alice', password: 'wonderland' });
    const bob = await connectClient(url, { clientId: 'reload-bob', username: 'bob', password: 'builder' });
    const alice5 = await connectClient(url, { clientId: 'reload-alice5', username: 'alice', password: 'wonderland', protocolVersion: 5 });
    try {
      const aliceClosed = new Promise<void>((resolve) => alice.once('close', () => resolve()));
      const alice5Told = new Promise<number | undefined>((resolve) => alice5.once('disconnect', (p) => resolve(p.reasonCode)));
      writeFileSync(passwordFile, `${await line('alice', 'changed')}\n${bobLine}\n${await line('carol', 'c')}\n`);
      process.emit('SIGHUP', 'SIGHUP');
      await aliceClosed;
      assert.equal(await alice5Told, 0x87, 'an MQTT 5 client is told why');
      assert.equal(bob.connected, true, 'an unchanged user stays connected');
      const carol = await connectClient(url, { clientId: 'reload-carol', username: 'carol', password: 'c' });
      await endAll(carol);
      await assert.rejects(connectClient(url, { clientId: 'reload-alice2', username: 'alice', password: 'wonderland' }));
    } finally {
      await endAll(alice, alice5, bob);
    }
  });

  test('a reload of a broken file keeps the previous users', async () => {
    const previous = readFileSync(passwordFile, 'utf8');
    writeFileSync(passwordFile, `${previous}broken:$7$nope\n`);
    const problems = broker.security.reload();
    assert.equal(problems.length, 1);
    assert.match(problems[0], /passwd:4: user 'broken'/);
    assert.deepEqual(await rawConnack(broker, 'kept', { username: 'carol', password: 'c' }), { code: 0, closed: false });
    writeFileSync(passwordFile, previous);
  });
});

describe('password files written by mosquitto_passwd', () => {
  test('are read as mosquitto reads them ($7$ default and $6$)', { skip: MOSQUITTO_PASSWD ? false : 'mosquitto_passwd is not installed here' }, async () => {
    const file = join(dir, 'mosquitto.passwd');
    execFileSync(MOSQUITTO_PASSWD!, ['-c', '-b', file, 'mosq7', 'pbkdf2 pass']);
    execFileSync(MOSQUITTO_PASSWD!, ['-H', 'sha512', '-b', file, 'mosq6', 'sha pass']);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^mosq7:\$7\$101\$/m);
    assert.match(text, /^mosq6:\$6\$/m);
    const broker = await startTestBroker({ allowAnonymous: false, passwordFile: file });
    try {
      assert.deepEqual(await rawConnack(broker, 'm7', { username: 'mosq7', password: 'pbkdf2 pass' }), { code: 0, closed: false });
      assert.deepEqual(await rawConnack(broker, 'm6', { username: 'mosq6', password: 'sha pass' }), { code: 0, closed: false });
      assert.deepEqual(await rawConnack(broker, 'm7bad', { username: 'mosq7', password: 'pbkdf2 Pass' }), { code: 5, closed: true });
    } finally {
      await broker.close(1000);
    }
  });
});

describe('start-up with bad security files', () => {
  test('a password file with a bad line stops start-up with every problem and its line', async () => {
    const file = join(dir, 'bad.passwd');
    writeFileSync(file, `ok:${formatHash(await hashPassword('x'))}\nplain:text\n`);
    await assert.rejects(
      startTestBroker({ passwordFile: file }),
      (err: unknown) => err instanceof BrokerError && err.code === 'PASSWORD_FILE_INVALID' && /bad\.passwd:2: user 'plain'/.test(err.message),
    );
  });

  test('an ACL file with a bad line stops start-up', async () => {
    const file = join(dir, 'bad.acl');
    writeFileSync(file, 'topic read ok\ntopic read bad/#/x\n');
    await assert.rejects(
      startTestBroker({ aclFile: file }),
      (err: unknown) => err instanceof BrokerError && err.code === 'ACL_FILE_INVALID' && /bad\.acl:2:/.test(err.message),
    );
  });

  test('useIdentityAsUsername without tlsVerifyClient is a configuration error', async () => {
    await assert.rejects(startTestBroker({ useIdentityAsUsername: true }), /useIdentityAsUsername` needs `tlsVerifyClient`/);
  });
});

describe('anonymous access warnings', () => {
  test('binding a non-loopback host with anonymous access on logs a security warning', async () => {
    const broker = await startTestBroker({ host: '0.0.0.0', wsPort: 'off', tlsPort: 'off', wssPort: 'off' });
    try {
      const warning = broker.logs.find((l) => l.includes('SECURITY WARNING: anonymous MQTT clients are accepted'));
      assert.ok(warning, 'warning logged');
      assert.match(warning!, /"level":40/);
    } finally {
      await broker.close(1000);
    }
  });

  test('loopback-only listeners or anonymous access off log no such warning', async () => {
    const a = await startTestBroker({});
    const file = join(dir, 'quiet.passwd');
    writeFileSync(file, `${await line('u', 'p')}\n`);
    const b = await startTestBroker({ host: '0.0.0.0', allowAnonymous: false, passwordFile: file, wsPort: 'off', tlsPort: 'off', wssPort: 'off' });
    try {
      assert.equal(
        a.logs.some((l) => l.includes('SECURITY WARNING: anonymous')),
        false,
      );
      assert.equal(
        b.logs.some((l) => l.includes('SECURITY WARNING: anonymous')),
        false,
      );
    } finally {
      await Promise.all([a.close(1000), b.close(1000)]);
    }
  });
});

describe('TLS client certificate as user name (useIdentityAsUsername)', () => {
  const certs = makeTestCerts();
  let broker: RunningBroker;
  before(async () => {
    const aclFile = join(dir, 'identity.acl');
    writeFileSync(aclFile, 'user device-1\ntopic readwrite devices/device-1/#\n');
    broker = await startTestBroker({
      tlsCert: certs.serverCert,
      tlsKey: certs.serverKey,
      tlsCa: certs.caCert,
      tlsVerifyClient: true,
      useIdentityAsUsername: true,
      allowAnonymous: false,
      aclFile,
    });
  });
  after(async () => broker.close(1000));

  test('a client with a certificate is user device-1 (its CN), whatever credentials it sends', async () => {
    const s = await openSession(broker, 'tls', { ca: certs.ca, cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) });
    try {
      s.write(connect('cert-client', { username: 'someone-else', password: 'wrong' }));
      assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
      // The ACL grants devices/device-1/# to user device-1 only.
      s.write(subscribe(1, ['devices/device-1/cmd', 1], ['devices/other/cmd', 1]));
      assert.equal((await s.read(6)).toString('hex'), '9004000101' + '80');
    } finally {
      s.destroy();
    }
  });

  test('the same holds over WSS (the certificate of the upgraded connection)', async () => {
    const c = await connectClient(`wss://127.0.0.1:${broker.ports['mqtt-wss']}/mqtt`, {
      clientId: 'wss-cert-client',
      ca: certs.ca,
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
    });
    try {
      await assert.rejects(
        c.subscribeAsync({ 'devices/device-1/cmd': { qos: 1 }, 'devices/other/cmd': { qos: 1 } }),
        (err: { packet?: { granted?: number[] } }) => {
          assert.deepEqual(err.packet?.granted, [1, 128]);
          return true;
        },
      );
    } finally {
      await endAll(c);
    }
  });

  test('plain TCP still needs credentials (anonymous off): CONNACK 5', async () => {
    assert.deepEqual(await rawConnack(broker, 'tcp-anon', {}), { code: 5, closed: true });
  });
});

describe('Authenticator decisions', () => {
  const fakeTls = (authorized: boolean, cn?: string) =>
    ({ conn: { encrypted: true, authorized, getPeerCertificate: () => (cn ? { subject: { CN: cn } } : {}) } }) as unknown as Client;
  const plain = { conn: {} } as unknown as Client;

  test('with useIdentityAsUsername, a TLS client without a verified certificate gets CONNACK 4 (as mosquitto)', async () => {
    const a = new Authenticator({ allowAnonymous: true, useIdentityAsUsername: true }, null);
    assert.deepEqual(await a.authenticate(fakeTls(false, 'x'), 'u', Buffer.from('p')), { ok: false, returnCode: 4, result: 'no_client_certificate' });
    assert.deepEqual(await a.authenticate(fakeTls(true), undefined, undefined), { ok: false, returnCode: 4, result: 'no_client_certificate' });
    assert.deepEqual(await a.authenticate(fakeTls(true, 'dev-9'), 'ignored', undefined), {
      ok: true,
      username: 'dev-9',
      result: 'success',
      method: 'certificate',
    });
    // Not TLS: the usual rules apply.
    assert.deepEqual(await a.authenticate(plain, 'claimed', undefined), { ok: true, username: 'claimed', result: 'anonymous', method: 'none' });
  });

  test('without a password file and with anonymous access off, nobody gets in', async () => {
    const a = new Authenticator({ allowAnonymous: false, useIdentityAsUsername: false }, null);
    assert.equal((await a.authenticate(plain, 'someone', Buffer.from('x'))).ok, false);
    assert.equal((await a.authenticate(plain, undefined, undefined)).ok, false);
  });
});
