/**
 * Text encodings of CSV files. Imports read UTF-8 (with or without BOM) and refuse anything else, naming the
 * first line that is not UTF-8: a file saved as "CSV" by an Excel with Windows-1252 ("ANSI") used to import
 * silently as "M\uFFFDller". HR can then save it as "CSV UTF-8", or import it as it is with
 * `--encoding windows-1252`, which re-encodes it to UTF-8 on the way in.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ImportRejectedError, UserFacingError } from './problems.js';

/** The encoding option names something the WHATWG decoder does not know. */
export class UnknownEncodingError extends UserFacingError {}

/** The canonical WHATWG name of an encoding label (`cp1252`, `latin1` and `windows-1252` are the same one). */
export function normaliseEncoding(label: string): string {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    throw new UnknownEncodingError(`unknown encoding "${label}"; use utf-8 (the default) or windows-1252 (Excel's "CSV" on Windows)`);
  }
}

/**
 * Index of the first byte in `bytes` (from `start`) that does not begin a valid UTF-8 sequence (WHATWG
 * rules: no overlong forms, no surrogates, nothing above U+10FFFF), or -1. A sequence cut off by the end of
 * `bytes` counts as invalid.
 */
export function invalidUtf8At(bytes: Uint8Array, start = 0): number {
  let i = start;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = bytes[i + k];
      if (d === undefined || d < lo || d > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

function newlines(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a, from); i >= 0 && i < to; i = bytes.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/**
 * A stream that passes a CSV file on as UTF-8 bytes: UTF-8 input is checked and passed through untouched;
 * any other encoding is decoded and re-encoded. Fails with an ImportRejectedError naming the first line
 * that is not UTF-8.
 */
export function checkedDecoder(file: string, encoding: string): Transform {
  return encoding === 'utf-8' ? new Utf8Check(file) : new Reencode(encoding);
}

class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Line number at the start of the next chunk. */
  private line = 1;
  /** The last bytes of the previous chunk, where a character cut by the chunk boundary starts. */
  private tail: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      done(this.refusal(chunk));
      return;
    }
    this.line += newlines(chunk);
    this.tail = chunk.subarray(Math.max(0, chunk.length - 3));
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
      done();
    } catch {
      // The file ends inside a character.
      done(this.refused(this.line, this.tail.at(-1) ?? 0));
    }
  }

  /** Finds where `chunk` (or the character the previous chunk began) stops being UTF-8. */
  private refusal(chunk: Buffer): ImportRejectedError {
    // The previous chunk was valid, so its last non-continuation byte starts a character: scan from there.
    let from = this.tail.length;
    for (let i = this.tail.length - 1; i >= 0; i--) {
      if (!isContinuation(this.tail[i]!)) {
        from = i;
        break;
      }
    }
    const carried = this.tail.subarray(from);
    const bytes = Buffer.concat([carried, chunk]);
    const at = invalidUtf8At(bytes);
    const offset = at < 0 ? bytes.length - 1 : at;
    const line = this.line - newlines(carried) + newlines(bytes, 0, offset);
    return this.refused(line, bytes[offset] ?? 0);
  }

  private refused(line: number, byte: number): ImportRejectedError {
    const utf16 = line === 1 && (byte === 0xff || byte === 0xfe);
    const what = utf16
      ? 'the file is UTF-16 text ("Unicode text"); save it as "CSV UTF-8"'
      : `this line is not UTF-8 text (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}); the file was probably saved as "CSV" in the ` +
        'Windows (ANSI) encoding. Save it as "CSV UTF-8", or import it as it is with --encoding windows-1252';
    return new ImportRejectedError(this.file, [{ line, code: 'bad_encoding', message: what }]);
  }
}

class Reencode extends Transform {
  private readonly decoder: InstanceType<typeof TextDecoder>;

  constructor(encoding: string) {
    super();
    this.decoder = new TextDecoder(encoding);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    done(null, Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8'));
  }

  override _flush(done: TransformCallback): void {
    done(null, Buffer.from(this.decoder.decode(), 'utf8'));
  }
}
