import { describe, expect, it } from 'vitest';
import { DETECT_MAX_BYTES, detectFormat } from '../../src/io/detect-format.js';

const detect = (text: string | Buffer, isFinal = true) => detectFormat(Buffer.isBuffer(text) ? text : Buffer.from(text), isFinal);

describe('detectFormat', () => {
  it('takes one-line objects for JSON Lines', () => {
    expect(detect('{"a":1}\n{"a":2}\n')).toMatchObject({ kind: 'records', format: 'jsonl', start: 0 });
  });

  it('takes objects spanning lines for a value stream, noting indentation', () => {
    expect(detect('{\n  "a": 1\n}\n{\n  "a": 2\n}\n')).toMatchObject({ format: 'values', isIndented: true });
  });

  it('takes a broken first line of JSON Lines for JSON Lines when the following lines are one-line objects', () => {
    expect(detect('{"a":1\n{"a":2}\n{"a":3}\n{"a":4}\n')).toMatchObject({ format: 'jsonl' });
  });

  it('takes arrays for a value stream, but an array line followed by more lines for JSON Lines', () => {
    expect(detect('[\n{"a":1}\n]')).toMatchObject({ format: 'values' });
    expect(detect('[{"a":1},{"a":2}]\n')).toMatchObject({ format: 'values' });
    expect(detect('[1,2]\n{"a":1}\n')).toMatchObject({ format: 'jsonl' });
  });

  it('takes several values on the first line for a value stream', () => {
    expect(detect('{"a":1} {"a":2}\n')).toMatchObject({ format: 'values' });
    expect(detect('{"a":1},{"a":2}\n')).toMatchObject({ format: 'values' });
  });

  it('skips a UTF-8 BOM and leading whitespace', () => {
    expect(detect('\ufeff\n\n{"a":1}\n')).toMatchObject({ format: 'jsonl', start: 3 });
  });

  it('leaves lines that do not start like an object to JSON Lines, which reports them one by one', () => {
    expect(detect('hello\n{"a":1}\n')).toMatchObject({ format: 'jsonl' });
  });

  it('asks for more data until it can tell, and decides by the first byte at the limit', () => {
    expect(detect('{"a":', false)).toBeNull();
    expect(detect('{"a":1}', false)).toBeNull();
    const longLine = `{"a":"${'x'.repeat(DETECT_MAX_BYTES)}`;
    expect(detect(longLine, false)).toMatchObject({ format: 'jsonl' });
    expect(detect(`[${longLine}`, false)).toMatchObject({ format: 'values' });
  });

  it('calls empty and whitespace-only input empty', () => {
    expect(detect('')).toEqual({ kind: 'empty' });
    expect(detect(' \r\n\t')).toEqual({ kind: 'empty' });
    expect(detect(' \n', false)).toBeNull();
  });

  it('rejects binary data and UTF-16 with a reason', () => {
    expect(detect(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]))).toMatchObject({ kind: 'not-json', reason: expect.stringMatching(/NUL byte at offset 4/) });
    expect(detect(Buffer.from([0x01, 0x02, 0x03]))).toMatchObject({ kind: 'not-json', reason: expect.stringMatching(/control byte 0x01/) });
    expect(detect(Buffer.from('{"a":1}', 'utf16le'))).toMatchObject({ kind: 'not-json', reason: expect.stringMatching(/UTF-16/) });
    expect(detect(Buffer.from([0xfe, 0xff, 0, 0x7b]))).toMatchObject({ kind: 'not-json', reason: expect.stringMatching(/UTF-16/) });
  });
});
