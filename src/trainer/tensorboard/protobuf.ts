/**
 * The few protocol-buffer encodings an event file needs (varints, fixed 32/64-bit, length-
 * delimited fields), written by hand: the messages are small and fixed (tensorflow/core/util/
 * event.proto, framework/summary.proto, tensor.proto), and a protobuf runtime would be the
 * trainer's largest dependency for a dozen fields.
 */

/** Builds one message; nested messages are encoded separately and added with `message`. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) b |= 0x80;
      bytes.push(b);
    } while (n !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  /**
   * int32/int64/enum/bool field (wire type 0). Zero is left out, as proto3 serialises a field
   * without presence; `always` writes it (a member of a `oneof`).
   */
  int(field: number, v: number | bigint | boolean, always = false): this {
    if (!always && (v === 0 || v === 0n || v === false)) return this;
    this.key(field, 0);
    this.varint(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return this;
  }

  /** `double` (wire type 1); zero left out unless `always`. */
  double(field: number, v: number, always = false): this {
    if (!always && v === 0) return this;
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  /** `float` (wire type 5); zero left out unless `always`. */
  float(field: number, v: number, always = false): this {
    if (!always && v === 0) return this;
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  /** `bytes` or an encoded sub-message (wire type 2). */
  bytes(field: number, v: Uint8Array): this {
    this.key(field, 2);
    this.varint(v.length);
    this.push(v);
    return this;
  }

  /** A string field; the empty string is left out (proto3). */
  string(field: number, v: string): this {
    if (v === '') return this;
    return this.bytes(field, new TextEncoder().encode(v));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
