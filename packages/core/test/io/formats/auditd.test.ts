import { describe, expect, it } from 'vitest';
import { parseAuditdLine } from '../../../src/io/formats/auditd.js';
import { MAX_LINE_CHARS } from '../../../src/io/formats/line-result.js';

// Samples follow the record layout in the Red Hat "Understanding Audit Log Files" guide and
// the kernel's audit_log_n_untrustedstring (hex encoding of values with spaces or quotes).
const SYSCALL =
  'type=SYSCALL msg=audit(1604996384.965:93777): arch=c000003e syscall=59 success=yes exit=0 a0=558e25052c70 a1=558e251641a0 a2=558e25160800 a3=1b6 items=2 ppid=29002 pid=2168 auid=1000 uid=1000 tty=pts0 ses=104 comm="dd" exe="/bin/dd" key=(null)';

describe('parseAuditdLine', () => {
  it('keeps type, time and serial and leaves SYSCALL register arguments in hex', () => {
    const result = parseAuditdLine(SYSCALL);
    expect(result).toMatchObject({
      ok: true,
      record: { type: 'SYSCALL', timestamp: '1604996384.965', serial: '93777', syscall: '59', a0: '558e25052c70', comm: 'dd', exe: '/bin/dd', key: '(null)' },
    });
  });

  it('gives one EXECVE record with a0, a1... unquoted or hex-decoded', () => {
    // "/tmp/my dir" has a space, so the kernel logs it hex-encoded.
    const line = 'type=EXECVE msg=audit(1604996384.965:93777): argc=3 a0="ls" a1="-l" a2=2F746D702F6D7920646972';
    expect(parseAuditdLine(line)).toEqual({
      ok: true,
      record: { type: 'EXECVE', timestamp: '1604996384.965', serial: '93777', argc: '3', a0: 'ls', a1: '-l', a2: '/tmp/my dir' },
    });
  });

  it('decodes proctitle, turning the NUL argument separators into spaces', () => {
    const line = 'type=PROCTITLE msg=audit(1604996384.965:93777): proctitle=64640069663D2F6465762F7A65726F';
    expect(parseAuditdLine(line)).toMatchObject({ ok: true, record: { proctitle: 'dd if=/dev/zero' } });
  });

  it('does not decode a hex-looking value of a field the kernel never encodes', () => {
    const line = 'type=PATH msg=audit(1.0:2): item=0 name="/etc/passwd" inode=ABCD dev=FD:00';
    expect(parseAuditdLine(line)).toMatchObject({ ok: true, record: { name: '/etc/passwd', inode: 'ABCD', dev: 'FD:00' } });
  });

  it("parses the single-quoted msg='...' of user-space records and enriched fields after 0x1d", () => {
    const line =
      "type=USER_CMD msg=audit(1604996390.120:93790): pid=2201 uid=1000 auid=1000 ses=104 msg='cwd=\"/home/u\" cmd=6C73202F726F6F74 exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'\u001dUID=\"u\" AUID=\"u\"";
    expect(parseAuditdLine(line)).toMatchObject({
      ok: true,
      record: { type: 'USER_CMD', pid: '2201', cwd: '/home/u', cmd: 'ls /root', exe: '/usr/bin/sudo', res: 'success', UID: 'u', AUID: 'u' },
    });
  });

  it('accepts the node= prefix of a forwarded record', () => {
    expect(parseAuditdLine('node=web1 type=CWD msg=audit(1.5:7): cwd="/"')).toEqual({
      ok: true,
      record: { type: 'CWD', timestamp: '1.5', serial: '7', node: 'web1', cwd: '/' },
    });
  });

  it('locates malformed, truncated, empty and oversized lines', () => {
    expect(parseAuditdLine('type=SYSCALL msg=audit(1604996384.965): arch=x')).toEqual({
      ok: false,
      column: 1,
      reason: 'expected "type=NAME msg=audit(TIME:SERIAL):"',
    });
    // cut off inside a quoted value: the column of the opening quote
    expect(parseAuditdLine('type=EXECVE msg=audit(1.0:2): argc=1 a0="ls')).toMatchObject({ ok: false, column: 41 });
    expect(parseAuditdLine('type=EXECVE msg=audit(1.0:2): argc')).toMatchObject({ ok: false, column: 31 });
    expect(parseAuditdLine('')).toMatchObject({ ok: false, column: 1 });
    expect(parseAuditdLine(`type=EXECVE msg=audit(1.0:2): a0="${'x'.repeat(MAX_LINE_CHARS)}"`)).toMatchObject({ ok: false, column: 1 });
  });
});
