import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Writes to one client connection coalesce per event-loop turn: the packets Aedes writes to a
 * connection while it handles one read (a publisher's 64 KB read holds hundreds of PUBLISHes, each
 * delivered to every subscriber) leave in one `writev` at the end of the turn, instead of one
 * system call per packet.
 *
 * Why it matters: with TCP_NODELAY every `writev` is a TCP segment, and on loopback the sender pays
 * for the receiver's side of it too. Aedes hands each packet to mqtt-packet, which corks the stream
 * and uncorks it on the next tick, so each packet was its own system call to a subscriber (about
 * 3.7 µs of a bare Aedes' 12 µs per message on the 2-core bench VM). Holding one more cork until
 * `setImmediate` — after the I/O callbacks, ticks and promise jobs of the current turn — lets the
 * stream's own `writev` carry all of them. At low rates a turn is microseconds, so nothing waits
 * for a timer; at high rates the wait is at most the turn that produced the packets.
 *
 * Safe with every path that closes a connection: `end()` uncorks and flushes, `destroy()` drops the
 * buffer as it would have dropped the unwritten packets, and an `uncork()` after either is a no-op.
 * A later write in the turn sees `write()` return false past the high-water mark as before, so
 * Aedes' back-pressure (waiting for 'drain') is unchanged.
 */
export function coalesceWrites(conn: Duplex): void {
  const held = conn as HeldDuplex;
  held[HELD] = false;
  held.cork = corkForTurn;
}

const HELD = Symbol('rulemq.writesHeld');

type HeldDuplex = Duplex & { [HELD]: boolean };

/** Connections holding writes in this turn; one immediate releases them all (not one per connection). */
let heldNow: HeldDuplex[] = [];

/** The connection's `cork`: the first call in a turn adds one cork of its own, released at the turn's end. */
function corkForTurn(this: HeldDuplex): void {
  if (!this[HELD]) {
    this[HELD] = true;
    Object.getPrototypeOf(this).cork.call(this);
    // Queued before any callback the write that corked will queue, so a close waiting on that callback
    // (Aedes closes after writing a DISCONNECT) runs after the release.
    if (heldNow.push(this) === 1) setImmediate(releaseTurn);
  }
  Object.getPrototypeOf(this).cork.call(this);
}

function releaseTurn(): void {
  const list = heldNow;
  // Writes made while releasing (a write callback that writes again) start the next turn's list.
  heldNow = [];
  for (let i = 0; i < list.length; i++) {
    const conn = list[i];
    conn[HELD] = false;
    conn.uncork();
  }
}

/**
 * A WebSocket stream (ws' `createWebSocketStream`) sends every written chunk as its own message,
 * and mqtt-packet writes a PUBLISH in up to six chunks. Giving the stream a `writev` that joins what
 * was buffered into one binary message sends a turn's packets in one frame: MQTT over WebSocket
 * lets a message hold several packets or part of one, and clients reassemble by MQTT length. The
 * `writev` is one function for every stream; it finds the socket on the stream.
 */
export function joinWebSocketWrites(stream: Duplex, ws: WebSocket): void {
  const joined = stream as JoinedDuplex;
  joined[SOCKET] = ws;
  joined._writev = sendJoined;
}

const SOCKET = Symbol('rulemq.webSocket');

type JoinedDuplex = Duplex & {
  [SOCKET]: WebSocket;
  _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void;
};

// The stream decodes strings (`decodeStrings` is left on), so every buffered chunk is a Buffer.
function sendJoined(this: JoinedDuplex, chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
  const parts: Buffer[] = new Array(chunks.length);
  for (let i = 0; i < chunks.length; i++) parts[i] = chunks[i].chunk;
  this[SOCKET].send(parts.length === 1 ? parts[0] : Buffer.concat(parts), callback);
}
