/**
 * A TCP proxy in front of PostgreSQL that breaks one connection at a chosen moment, run as its own process by
 * fault tests (test/support/processes.ts#startCutProxy):
 *
 *   node -r @swc-node/register test/support/cut-proxy.ts <targetHost> <targetPort>
 *
 * It prints `listening <port>` (127.0.0.1, a free port) and then reads commands on stdin, one per line:
 *   `after <marker>`  — the next client message that contains <marker> (e.g. a prepared statement's name,
 *                       which every Bind message carries) is forwarded; the server's answers are held back until
 *                       its ReadyForQuery (the statement has finished, and committed when it ran outside a
 *                       transaction), then both sockets are destroyed: the client never learns the outcome;
 *   `before <marker>` — that message is dropped and both sockets destroyed: the server never sees it.
 * After each cut it prints `cut after|before` and forwards everything normally again.
 */
import { createServer, Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [targetHost, targetPort] = process.argv.slice(2);
let armed: { mode: 'after' | 'before'; marker: Buffer } | null = null;

/** Holds back server messages of a connection whose statement is to be cut after it finished. */
class AnswerWatcher {
  private pending = Buffer.alloc(0);
  /** true once a complete ReadyForQuery ('Z') message has arrived */
  feed(chunk: Buffer): boolean {
    this.pending = Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (this.pending.length - at >= 5) {
      const type = String.fromCharCode(this.pending[at]);
      const length = this.pending.readUInt32BE(at + 1);
      if (this.pending.length - at < 1 + length) break;
      if (type === 'Z') return true;
      at += 1 + length;
    }
    return false;
  }
}

const server = createServer((client: Socket) => {
  const upstream = new Socket();
  let watcher: AnswerWatcher | null = null;
  const cut = (mode: string) => {
    client.destroy();
    upstream.destroy();
    process.stdout.write(`cut ${mode}\n`);
  };
  upstream.connect(Number(targetPort), targetHost);
  client.on('data', (chunk: Buffer) => {
    if (armed && chunk.includes(armed.marker)) {
      const { mode } = armed;
      armed = null;
      if (mode === 'before') return cut('before');
      watcher = new AnswerWatcher();
    }
    upstream.write(chunk);
  });
  upstream.on('data', (chunk: Buffer) => {
    if (!watcher) {
      client.write(chunk);
      return;
    }
    if (watcher.feed(chunk)) cut('after');
  });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [mode, ...rest] = line.trim().split(' ');
  if ((mode === 'after' || mode === 'before') && rest.length) {
    armed = { mode, marker: Buffer.from(rest.join(' ')) };
    process.stdout.write(`armed ${mode}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
