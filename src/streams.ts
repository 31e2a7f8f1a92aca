/**
 * `rpi-gpio-connector/streams`: the connector as RxJS streams and its pure
 * core, for hosts that bring their own request stream and need no MQTT. It
 * loads neither the MQTT client, nor the embedded broker, nor the native
 * libgpiod addon (spec/library/streams-only.spec.ts measures it), and
 * nothing of `src/adapters` (spec/core/architecture.spec.ts): the drivers are
 * in `rpi-gpio-connector/sim` (the simulated chip) and the root entry.
 */
export { connector, type ConnectorDeps, type ConnectorSources } from './streams/connector';
export { answerRequests } from './streams/requests';
export { pollLevels, sameSample, type Sample, type WatchDeps } from './streams/poll';
export { edgeLevels } from './streams/edge-levels';
export { inputOutputs, type FanOutDeps } from './streams/fan-out';
export { debounceLevels, type DebounceDeps } from './streams/debounce';
export { edgesOfLevels } from './streams/level-edges';
export { pinEvents } from './streams/events';
export { pinCounts } from './streams/pin-counts';
export { latestCounts, type LatestCountsDeps } from './streams/latest-counts';
export { countPulses, type CounterDeps, type PulseCount } from './streams/counter';
export { edgesToLevels, missedEvents, type EdgeDeps, type EdgeOutput } from './streams/edges';
export { observed, isObservation, type LevelObservation, type EdgeGap, type Watched, type InputEdge } from './core/observation';
export { inputSettings, isEventOf, counts, type InputSettings } from './core/input-settings';
export { pulseOutputs, pulsing } from './streams/pulse';
export { perPin, thenStop, stopOf, type Behaviour, type Stop } from './streams/per-pin';
export { interlocked, type InterlockDeps } from './streams/interlock';
export { planInterlock, switchesOn, observe as observeInterlock, groupState as interlockGroupState, DEFAULT_INTERLOCK_DELAY_MS, type GroupState, type InterlockPlan } from './core/interlock';
export { planPulse, pulseDuration, switchBack, PULSE_MIN_MS, PULSE_MAX_MS, type PulseCommand, type PulseWrite, type PulsePlan, type SwitchBack } from './core/pulse';
export { publishLevels } from './streams/levels';
export {
  decide,
  pinTable,
  isOutputCommand,
  type Request,
  type Reply,
  type Command,
  type OutputCommand,
  type Decision,
  type Rejected,
  type Ignored,
  type PinTable,
} from './core/requests';
export { mqttContract, type ContractOptions, type Message, type Delivery, type AnswerProperties } from './core/contract';
export { type Output, type State, type Simulated, type Event, type Count, type Snapshot, type PinEntry, type PinsSnapshot, state, isState, isRejected } from './core/outputs';
export { pinSnapshots, type SnapshotSources, type SnapshotDeps } from './streams/snapshot';
export { snapshotFold, formatSnapshot, decideReadAll, SNAPSHOT_INTERVAL_MS, type SnapshotFold, type ReadAll } from './core/snapshot';
export { type ErrorMessage, ErrorKind } from './core/errors';
export * from './core/model';
export * from './core/topics';
export { parseLevel, parsePin, formatLevel } from './core/payload';
export { decodeConfig } from './core/config';
export type { Either, Left, Right } from './core/either';
export type { GpioDriver, SimulatedGpio, DriverError, KernelEdge } from './core/driver';
export { isSimulated } from './core/driver';
export { failsafe, type FailsafeDeps } from './streams/failsafe';
export { failsafesOf, failsafeWrite, failsafeMessage, FAILSAFE_AFTER_MAX_MS, type Failsafe, type FailsafeSpec, type FailsafeMoved, type FailsafeReport } from './core/failsafe';
