// Which events the windows processing pipeline's rules apply to. Lives in core (not in the
// CLI) because the pool's workers route events with it and must agree with the in-thread
// path of `siemlite hunt --pipeline auto` event for event.
import { isEvtxEvent } from './normalize-event.js';

/**
 * True for Windows events: evtx_dump JSON (`Event.System`), or flat events from log
 * shippers that carry `EventID` and `Channel` (or `Provider_Name` / `SourceName`). Tested
 * on the event as read, before normalization.
 *
 * @example
 * isWindowsEvent({ EventID: 4688, Channel: 'Security' }); // true
 * isWindowsEvent({ eventName: 'ConsoleLogin' });          // false
 */
export function isWindowsEvent(value: Record<string, unknown>): boolean {
  return isEvtxEvent(value) || ('EventID' in value && ('Channel' in value || 'Provider_Name' in value || 'SourceName' in value));
}
