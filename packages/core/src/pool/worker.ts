// Worker entry of the DetectorPool (loaded by piscina from dist/pool/worker.js): the task
// runner (run-task.ts) for the configuration sent once through workerData, with the reply
// wrapped so its buffers move back instead of being copied.
import { workerData } from 'node:worker_threads';
import { createTaskRunner } from './run-task.js';
import { movableReply, type WorkerConfig, type WorkerTask } from './wire.js';

const run = createTaskRunner(workerData as WorkerConfig);

/** Runs one task. Never throws: a failure comes back as a FailedReply naming the error. */
export function runDetectorTask(task: WorkerTask): unknown {
  return movableReply(run(task));
}
