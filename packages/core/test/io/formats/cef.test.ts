// CEF lines from the examples of Micro Focus "Implementing ArcSight Common Event Format
// (CEF)", revision 25, and malformed, truncated and oversized variants.
import { describe, expect, it } from 'vitest';
import { parseCefLine } from '../../../src/io/formats/cef.js';
import { MAX_LINE_CHARS } from '../../../src/io/formats/line-result.js';

const record = (line: string) => {
  const r = parseCefLine(line);
  if (!r.ok) throw new Error(`expected a record, got column ${r.column}: ${r.reason}`);
  return r.record;
};

describe('parseCefLine on the specification examples', () => {
  it('parses the header fields and the extension', () => {
    expect(record('CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232')).toEqual({
      cefVersion: '0',
      deviceVendor: 'Security',
      deviceProduct: 'threatmanager',
      deviceVersion: '1.0',
      deviceEventClassId: '100',
      name: 'worm successfully stopped',
      severity: '10',
      src: '10.0.0.1',
      dst: '2.1.2.2',
      spt: '1232',
    });
  });

  it('keeps a syslog header before CEF: in syslogPrefix', () => {
    const r = record('Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1');
    expect(r.syslogPrefix).toBe('Sep 19 08:26:10 host');
    expect(r.deviceVendor).toBe('Security');
  });

  it('undoes header escapes (\\| and \\\\)', () => {
    expect(record('CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1').name).toBe('detected a | in message');
    expect(record('CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1').name).toBe('detected a \\ in packet');
  });

  it('undoes extension escapes (\\=, \\\\, \\n) and keeps spaces and a | inside values', () => {
    const r = record('CEF:0|security|threatmanager|1.0|100|detected an equals sign|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1 msg=Detected a threat.\\n No action needed. cs1=a|b');
    expect(r.act).toBe('blocked a =');
    expect(r.dst).toBe('1.1.1.1');
    expect(r.msg).toBe('Detected a threat.\n No action needed.');
    expect(r.cs1).toBe('a|b');
  });

  it('accepts an empty extension and a header-only line', () => {
    expect(record('CEF:1|Vendor|Product|2|sig|Name|Low|')).toMatchObject({ cefVersion: '1', severity: 'Low' });
  });
});

describe('parseCefLine on bad lines', () => {
  it.each([
    ['not CEF', 'hello world', 1, /expected "CEF:Version/],
    ['truncated header', 'CEF:0|Security|threatmanager|1.0', 33, /expected '\|' after the deviceVersion field/],
    ['a header missing its last |', 'CEF:0|Security|threatmanager|1.0|100|worm|10', 45, /after the severity field/],
    ['an extension that starts without key=', 'CEF:0|a|b|c|d|e|f|=value', 19, /expected key=value/],
    ['an empty line', '', 1, /empty line/],
    ['an oversized line', `CEF:0|a|b|c|d|e|f|msg=${'x'.repeat(MAX_LINE_CHARS)}`, 1, /longer than/],
  ])('rejects %s with its column', (_, line, column, reason) => {
    const r = parseCefLine(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.column).toBe(column);
    expect(r.reason).toMatch(reason);
  });
});
