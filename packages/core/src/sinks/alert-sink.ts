// The alert sink interface: where alerts go besides hunt's own output (a file a SIEM tails,
// a webhook, syslog). Sinks receive alerts in the detection order, in batches.
import { createAlertSerializer, type EngineAlert } from '../alert/alert.js';
import { alertId } from './alert-id.js';

/**
 * A destination for alerts. `write` takes a batch in detection order; when it returns a
 * promise the caller awaits it before reading more input (backpressure: a slow sink slows
 * the reader instead of growing memory). `close` delivers or spools what is pending and
 * releases the sink's resources.
 */
export interface AlertSink {
  write(alerts: readonly EngineAlert[]): void | Promise<void>;
  close(): Promise<void>;
}

/**
 * The JSON text a sink sends for one alert: the alert as `hunt --format jsonl` prints it,
 * with its stable `id` (see alertId) as the first field.
 */
export function createSinkSerializer(): (alert: EngineAlert) => string {
  const serialize = createAlertSerializer();
  return (alert) => `{"id":"${alertId(alert)}",${serialize(alert).slice(1)}`;
}
