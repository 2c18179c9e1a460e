import type { OlRunTable } from '../../store/schema.js';
import type { RunEventType } from './event.js';

/** Marquez's run states. */
export type RunState = OlRunTable['state'];

/** Marquez's mapping of `eventType` onto run states; OTHER (or none) changes nothing. */
const STATE_OF: Readonly<Record<RunEventType, RunState | undefined>> = {
  START: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETED',
  FAIL: 'FAILED',
  ABORT: 'ABORTED',
  OTHER: undefined,
};

export function isTerminal(state: RunState): boolean {
  return state === 'COMPLETED' || state === 'FAILED' || state === 'ABORTED';
}

/** Marquez's `isTerminalEvent()` is COMPLETE and FAIL; a job version is also made on ABORT. */
export function finishesRun(eventType: RunEventType | null): boolean {
  return eventType === 'COMPLETE' || eventType === 'FAIL' || eventType === 'ABORT';
}

export interface StateAt {
  readonly state: RunState;
  readonly time: string | null;
}

/**
 * The run's state after an event, or undefined if the event does not change it. Events may arrive
 * out of order, so time decides between non-terminal states; but a finished run stays finished
 * (the spec's state machine has no way out of COMPLETE, FAIL or ABORT) unless a later terminal
 * event corrects it, and a terminal event always ends a run that has not finished.
 */
export function nextState(current: StateAt | undefined, eventType: RunEventType | null, time: string): StateAt | undefined {
  const target = eventType === null ? undefined : STATE_OF[eventType];
  if (!current) return { state: target ?? 'NEW', time: target ? time : null };
  if (!target) return undefined;
  if (isTerminal(current.state)) return isTerminal(target) && current.time !== null && time > current.time ? { state: target, time } : undefined;
  const applies = isTerminal(target) || current.time === null || time >= current.time;
  const news = current.state !== target || current.time === null || time > current.time;
  return applies && news ? { state: target, time } : undefined;
}
