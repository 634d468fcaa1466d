import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHStreamUrl, hostPortKey, UrlError } from '../../../sinks/hstreamdb/url.js';

test('parses hstream:// and hstreams:// lists; hosts without a port get 6570 and inherit the scheme', () => {
  assert.deepEqual(parseHStreamUrl('hstream://h1:6570,h2,h3:6572'), {
    scheme: 'hstream',
    tls: false,
    hosts: [
      { host: 'h1', port: 6570 },
      { host: 'h2', port: 6570 },
      { host: 'h3', port: 6572 },
    ],
  });
  assert.deepEqual(parseHStreamUrl('hstreams://db.example.com'), { scheme: 'hstreams', tls: true, hosts: [{ host: 'db.example.com', port: 6570 }] });
  assert.deepEqual(parseHStreamUrl(' hstream://a , hstream://b:1 '), {
    scheme: 'hstream',
    tls: false,
    hosts: [
      { host: 'a', port: 6570 },
      { host: 'b', port: 1 },
    ],
  });
});

test('accepts http:// and https:// as EMQX users write them (https means TLS), with a trailing slash', () => {
  assert.deepEqual(parseHStreamUrl('http://127.0.0.1:6570/'), { scheme: 'http', tls: false, hosts: [{ host: '127.0.0.1', port: 6570 }] });
  assert.deepEqual(parseHStreamUrl('HTTPS://node1'), { scheme: 'https', tls: true, hosts: [{ host: 'node1', port: 6570 }] });
});

test('parses bracketed IPv6 hosts and prints them back bracketed', () => {
  const u = parseHStreamUrl('hstream://[::1]:7000,[fe80::1]');
  assert.deepEqual(u.hosts, [
    { host: '::1', port: 7000 },
    { host: 'fe80::1', port: 6570 },
  ]);
  assert.equal(hostPortKey(u.hosts[0]), '[::1]:7000');
  assert.equal(hostPortKey({ host: 'h', port: 1 }), 'h:1');
});

test('rejects bad URLs with a message that says what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['localhost:6570', /expected hstream:\/\//],
    ['ftp://h', /unsupported scheme 'ftp:\/\/'/],
    ['hstream://', /empty host/],
    ['hstream://a,,b', /empty host/],
    ['hstream://h:0', /port must be 1–65535/],
    ['hstream://h:70000', /port must be 1–65535/],
    ['hstream://h:x', /port must be 1–65535/],
    ['hstream://user:pw@h', /credentials in the URL/],
    ['hstream://h/path', /not host\[:port\]/],
    ['hstream://a,hstreams://b', /all hosts share one scheme/],
    ['hstream://::1', /IPv6 hosts need brackets/],
    ['hstream://bad_host!', /not a valid host name/],
  ];
  for (const [url, re] of cases) {
    assert.throws(
      () => parseHStreamUrl(url),
      (e: unknown) => e instanceof UrlError && re.test(e.message),
      url,
    );
  }
});
