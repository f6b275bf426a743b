import copyStreams from 'pg-copy-streams';

/** pg-copy-streams' COPY TO stream class; the package exports only its factory. */
const CopyToQuery = copyStreams.to('').constructor as unknown as new (text: string) => copyStreams.CopyToStreamQuery;

const ERROR_RESPONSE = 0x45; // E
const COPY_DATA = 0x64; // d
/** Messages the server may send amid CopyData (CopyOutResponse first); any other ends the copy (CopyDone). */
const INTERSPERSED: ReadonlySet<number> = new Set([0x48, 0x53, 0x4e, 0x41]);

/** The internals of pg-copy-streams 7's CopyToQueryStream this subclass relies on. */
interface CopyToInternals {
  _buffer: { push(data: Buffer): void };
  _detach(): void;
  _cleanup(): void;
}

/**
 * COPY … TO STDOUT as pg-copy-streams streams it, with the socket's bytes unwrapped in one
 * pass: the server sends one CopyData message per row, and the package's generic reader
 * (a buffer list, a read and a subarray per message, a concatenation per chunk) cost about a
 * third of the client's CPU in an export, CPU the server's own process competes for on a busy
 * machine. Here each socket chunk's payloads are copied into one buffer; a message cut by the
 * chunk's end waits for the next. Errors, CopyDone and what follows it go back to node-postgres
 * exactly as the package does (its _detach), so the query ends and fails the same way.
 */
class FastCopyTo extends CopyToQuery {
  /** The start of a message cut by a chunk's end, kept until `needed` bytes have come (a large row spans many chunks). */
  private carried: Buffer[] = [];
  private carriedSize = 0;
  private needed = 0;

  _parse(chunk: Buffer): boolean | undefined {
    const self = this as unknown as CopyToInternals;
    let data = chunk;
    if (this.carriedSize > 0) {
      this.carried.push(chunk);
      this.carriedSize += chunk.length;
      if (this.carriedSize < this.needed) return true;
      data = Buffer.concat(this.carried, this.carriedSize);
      this.carried = [];
      this.carriedSize = 0;
    }
    const out = Buffer.allocUnsafe(data.length);
    let size = 0;
    let position = 0;
    let done = false;
    while (position < data.length) {
      const code = data[position]!;
      if (code === ERROR_RESPONSE) {
        self._buffer.push(data.subarray(position));
        self._detach();
        return undefined;
      }
      if (position + 5 > data.length) break;
      const end = position + 1 + data.readUInt32BE(position + 1);
      if (end > data.length) break;
      if (code === COPY_DATA) size += data.copy(out, size, position + 5, end);
      else if (!INTERSPERSED.has(code)) done = true;
      position = end;
      if (done) break;
    }
    const drained = size > 0 ? this.push(out.subarray(0, size)) : true;
    if (done) {
      if (position < data.length) self._buffer.push(data.subarray(position));
      self._detach();
      this.push(null);
      self._cleanup();
    } else if (position < data.length) {
      // Copied: the rest of a large chunk must not stay alive for a few bytes.
      const rest = Buffer.from(data.subarray(position));
      this.carried = [rest];
      this.carriedSize = rest.length;
      this.needed = rest.length >= 5 ? 1 + rest.readUInt32BE(1) : 5;
    }
    return drained;
  }
}

/** A COPY … TO STDOUT query to hand to client.query(); its rowCount is set when it ends. */
export function copyOut(text: string): copyStreams.CopyToStreamQuery {
  return new FastCopyTo(text);
}
