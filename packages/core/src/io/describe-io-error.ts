/**
 * A short, stable message for a file-system error. Node's messages repeat the syscall and
 * path (`ENOENT: no such file or directory, open 'x'`); the path is already in the BadRecord.
 * @internal
 *
 * @example
 * describeIoError(Object.assign(new Error('...'), { code: 'ENOENT' })); // 'no such file or directory'
 */
export function describeIoError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
