/**
 * The table of malformed and hostile MQTT 3.1.1 packet sequences run by hostile-packets.test.ts
 * over TCP, TLS and WebSocket. Each case states the reply the broker must send, whether it must
 * then close the connection, and the normative statement it checks.
 */
import { connectCases } from './connect-cases.js';
import { ackCases, publishCases } from './publish-cases.js';
import { otherCases, subscribeCases, unsubscribeCases } from './subscribe-cases.js';

import type { HostileCase } from './common.js';

export type { HostileCase, Step } from './common.js';

export const HOSTILE_CASES: readonly HostileCase[] = [...connectCases, ...publishCases, ...ackCases, ...subscribeCases, ...unsubscribeCases, ...otherCases];
