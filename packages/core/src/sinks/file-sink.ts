// file:PATH: alerts as JSON Lines (with their ids), appended; when the file would grow past
// maxBytes it is renamed to PATH.1 (PATH.1 to PATH.2, ... up to `keep` old files) and a new
// one started, so a SIEM tailing PATH with rename-following (tail -F) sees every line.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { EngineAlert } from '../alert/alert.js';
import { createSinkSerializer, type AlertSink } from './alert-sink.js';

/** Rotation of a file sink ({@link createFileSink}). */
export interface FileSinkOptions {
  /** Rotate before the file would exceed this many bytes (default 100 MiB; 0: never rotate). */
  readonly maxBytes?: number;
  /** Rotated files kept: PATH.1 (newest) ... PATH.keep (default 5). */
  readonly keep?: number;
}

/** A file sink's rotation when {@link FileSinkOptions} leave it unset. */
export const FILE_SINK_DEFAULTS = { maxBytes: 100 * 1024 * 1024, keep: 5 } as const;

/**
 * A sink that appends alerts as JSON Lines (each with its id) to `path`, renaming it to
 * PATH.1 (older files to PATH.2 ...) when it would grow past `maxBytes`.
 *
 * @example
 * const sink = createFileSink('alerts.jsonl', { maxBytes: 10 * 1024 * 1024, keep: 3 });
 */
export function createFileSink(path: string, options: FileSinkOptions = {}): AlertSink {
  const maxBytes = options.maxBytes ?? FILE_SINK_DEFAULTS.maxBytes;
  const keep = Math.max(1, options.keep ?? FILE_SINK_DEFAULTS.keep);
  const serialize = createSinkSerializer();
  let fd = openSync(path, 'a');
  let size = fstatSync(fd).size;

  const rotate = (): void => {
    closeSync(fd);
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'a');
    size = 0;
  };

  return {
    write(alerts: readonly EngineAlert[]): void {
      let text = '';
      let textBytes = 0;
      for (const a of alerts) {
        const line = `${serialize(a)}\n`;
        const bytes = Buffer.byteLength(line);
        // A line never straddles files; a line larger than maxBytes gets a file of its own.
        if (maxBytes > 0 && size + textBytes + bytes > maxBytes && size + textBytes > 0) {
          if (text !== '') writeSync(fd, text);
          text = '';
          textBytes = 0;
          rotate();
        }
        text += line;
        textBytes += bytes;
      }
      if (text !== '') {
        writeSync(fd, text);
        size += textBytes;
      }
    },
    close(): Promise<void> {
      closeSync(fd);
      return Promise.resolve();
    },
  };
}
