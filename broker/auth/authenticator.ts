import type { TLSSocket } from 'node:tls';
import type { Client } from 'aedes';
import type { PasswordDb } from './password-file.js';

export interface AuthSettings {
  readonly allowAnonymous: boolean;
  /** On TLS connections, the verified client certificate's CN is the user name; CONNECT credentials are ignored. */
  readonly useIdentityAsUsername: boolean;
}

export type AuthOutcome =
  | {
      readonly ok: true;
      readonly username: string | undefined;
      readonly result: 'success' | 'anonymous';
      /** How the user name was established: a password-file check, a client certificate, or not at all. */
      readonly method: 'password' | 'certificate' | 'none';
    }
  | { readonly ok: false; readonly returnCode: 4 | 5; readonly result: 'bad_password' | 'unknown_user' | 'anonymous_refused' | 'no_client_certificate' };

/**
 * Decides a CONNECT the way mosquitto 2 does with password_file / allow_anonymous /
 * use_identity_as_username: a wrong password, an unknown user and an anonymous client when
 * anonymous access is off all get CONNACK 0x05 (not authorized) in 3.1.1, which is what mosquitto
 * sends (checked against mosquitto 2.0.11); a TLS client without a usable certificate under
 * useIdentityAsUsername gets 0x04, as in mosquitto. Every refusal costs one hash computation when
 * a password file is loaded, so timing tells nothing about which users exist.
 */
export class Authenticator {
  constructor(
    private readonly settings: AuthSettings,
    private db: PasswordDb | null,
  ) {}

  setPasswords(db: PasswordDb | null): void {
    this.db = db;
  }

  get passwords(): PasswordDb | null {
    return this.db;
  }

  async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<AuthOutcome> {
    if (this.settings.useIdentityAsUsername) {
      const tls = peerTlsSocket(client);
      if (tls !== null) {
        const cn = tls.authorized ? certificateCommonName(tls) : null;
        if (cn === null) return { ok: false, returnCode: 4, result: 'no_client_certificate' };
        return { ok: true, username: cn, result: 'success', method: 'certificate' };
      }
    }
    const db = this.db;
    if (username === undefined) {
      if (this.settings.allowAnonymous) return { ok: true, username: undefined, result: 'anonymous', method: 'none' };
      if (db !== null) await db.verify('', undefined); // same cost as a wrong password
      return { ok: false, returnCode: 5, result: 'anonymous_refused' };
    }
    if (db === null) {
      // No password file: a user name is a claim nobody checks (as mosquitto without password_file).
      if (this.settings.allowAnonymous) return { ok: true, username, result: 'anonymous', method: 'none' };
      return { ok: false, returnCode: 5, result: 'unknown_user' };
    }
    const verdict = await db.verify(username, password);
    if (verdict === 'ok') return { ok: true, username, result: 'success', method: 'password' };
    return { ok: false, returnCode: 5, result: verdict };
  }
}

/** The TLS socket under a client: the connection itself (TLS) or the upgraded request's socket (WSS). */
export function peerTlsSocket(client: Client): TLSSocket | null {
  const conn = client.conn as Partial<TLSSocket>;
  if (conn.encrypted === true) return conn as TLSSocket;
  const sock = client.req?.socket as Partial<TLSSocket> | undefined;
  if (sock?.encrypted === true) return sock as TLSSocket;
  return null;
}

function certificateCommonName(tls: TLSSocket): string | null {
  const cert = tls.getPeerCertificate();
  const cn = (cert?.subject as Record<string, string | string[]> | undefined)?.CN;
  const value = Array.isArray(cn) ? cn[0] : cn;
  return typeof value === 'string' && value.length > 0 ? value : null;
}
