/**
 * The EMQX-compatible client endpoints (a subset of /api/v5/clients), read from the Aedes instance:
 *   GET    /api/v5/clients                     list, filtered by like_clientid, like_username, clientid, username,
 *                                              ip_address, proto_ver; paged by page and limit
 *   GET    /api/v5/clients/{clientid}          one client
 *   GET    /api/v5/clients/{clientid}/subscriptions
 *   DELETE /api/v5/clients/{clientid}          kicks the client out (closes its connection)
 * Each client object also carries `subscriptions` (topic and QoS), a rulemq extension the dashboard lists.
 */
import type { IncomingMessage } from 'node:http';
import type { Aedes, Client } from 'aedes';
import { clientInfo } from '../../rules/client-info.js';
import type { HttpReply, Router } from './router.js';

interface SocketLike {
  remoteAddress?: string;
  remotePort?: number;
}

interface AedesClientState {
  subscriptions?: Record<string, { qos?: number }>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

/** When each client's CONNECT was accepted: Aedes keeps no such time. */
const connectedAt = new WeakMap<Client, number>();

const PROTO_NAMES: Record<number, string> = { 3: 'MQIsdp', 4: 'MQTT', 5: 'MQTT' };

function clientsOf(broker: Aedes): Client[] {
  const map = (broker as unknown as { clients?: Record<string, Client> }).clients;
  return map ? Object.values(map) : [];
}

function subscriptionsOf(c: Client): { topic: string; qos: number }[] {
  const subs = (c as unknown as AedesClientState).subscriptions ?? {};
  return Object.keys(subs).map((topic) => ({ topic, qos: subs[topic]?.qos ?? 0 }));
}

function peer(c: Client): { host: string; port: number } {
  const socket = (c.req?.socket ?? c.conn) as SocketLike;
  return { host: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''), port: socket.remotePort ?? 0 }; // as EMQX prints IPv4 peers
}

function clientJson(c: Client, node: string): Record<string, unknown> {
  const { host, port } = peer(c);
  const info = clientInfo(c);
  const at = connectedAt.get(c) ?? (info.connectedAt || Date.now());
  const subscriptions = subscriptionsOf(c);
  return {
    clientid: c.id,
    username: info.username ?? null,
    ip_address: host,
    port,
    proto_name: PROTO_NAMES[c.version] ?? 'MQTT',
    proto_ver: c.version,
    clean_start: c.clean,
    connected: c.connected,
    connected_at: new Date(at).toISOString(),
    node,
    subscriptions_cnt: subscriptions.length,
    subscriptions,
  };
}

function notFound(): HttpReply {
  // EMQX's code and message for an unknown client id.
  return { status: 404, body: { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } };
}

function badRequest(message: string): HttpReply {
  return { status: 400, body: { code: 'BAD_REQUEST', message } };
}

function positiveInt(raw: string | null, name: string, fallback: number, max: number): number | string {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) return `${name} must be an integer from 1 to ${max} (got ${JSON.stringify(raw)})`;
  return n;
}

function list(req: IncomingMessage, broker: Aedes, node: string): HttpReply {
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const page = positiveInt(q.get('page'), 'page', 1, 1_000_000);
  if (typeof page === 'string') return badRequest(page);
  const limit = positiveInt(q.get('limit'), 'limit', DEFAULT_LIMIT, MAX_LIMIT);
  if (typeof limit === 'string') return badRequest(limit);
  const likeId = q.get('like_clientid');
  const likeUser = q.get('like_username');
  const id = q.get('clientid');
  const user = q.get('username');
  const ip = q.get('ip_address');
  const ver = q.get('proto_ver');
  // Filter on the raw clients and render only the requested page: the list may hold many thousands.
  // EMQX's like_* filters are substring matches; the others are exact.
  const all = clientsOf(broker)
    .filter((c) => {
      if (!c.connected) return false;
      if (likeId !== null && !c.id.includes(likeId)) return false;
      if (id !== null && c.id !== id) return false;
      if (ver !== null && String(c.version) !== ver) return false;
      if (likeUser !== null || user !== null) {
        const u = clientInfo(c).username;
        if (u === undefined || (likeUser !== null && !u.includes(likeUser)) || (user !== null && u !== user)) return false;
      }
      return ip === null || peer(c).host === ip;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const data = all.slice((page - 1) * limit, page * limit).map((c) => clientJson(c, node));
  return { status: 200, body: { data, meta: { page, limit, count: all.length, hasnext: page * limit < all.length } } };
}

/** Registers the client endpoints; `node` is the node name shown in each client. */
export function registerClientsApi(router: Router, broker: Aedes, node: string): void {
  broker.on('client', (c: Client) => connectedAt.set(c, Date.now()));
  const find = (id: string): Client | undefined => {
    const c = (broker as unknown as { clients?: Record<string, Client> }).clients?.[id];
    return c?.connected ? c : undefined;
  };
  router.add('GET', '/api/v5/clients', (req) => list(req, broker, node));
  router.add('GET', '/api/v5/clients/:clientid', (_req, p) => {
    const c = find(p.clientid);
    return c ? { status: 200, body: clientJson(c, node) } : notFound();
  });
  router.add('GET', '/api/v5/clients/:clientid/subscriptions', (_req, p) => {
    const c = find(p.clientid);
    return c ? { status: 200, body: subscriptionsOf(c).map((s) => ({ ...s, clientid: c.id, node })) } : notFound();
  });
  router.add('DELETE', '/api/v5/clients/:clientid', (_req, p) => {
    const c = find(p.clientid);
    if (!c) return notFound();
    c.close();
    return { status: 204 };
  });
}
