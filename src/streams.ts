/**
 * `rpi-gpio-connector/streams`: the connector as RxJS streams and its pure
 * core, for hosts that bring their own request stream and need no MQTT. It
 * loads neither the MQTT client, nor the embedded broker, nor the native
 * libgpiod addon (spec/library/streams-only.spec.ts measures it); the
 * simulated chip is included, the libgpiod driver is in the root entry.
 */
export { connector, type ConnectorDeps, type ConnectorSources } from './streams/connector';
export { answerRequests } from './streams/requests';
export { pollInputs } from './streams/inputs';
export { pollLevels, edgeLevels, inputOutputs, inputSettings, pinEvents, pinCounts, type Observed, type Watched, type InputSettings } from './streams/watch';
export { debounceLevels, type LevelObservation, type DebounceDeps } from './streams/debounce';
export { countPulses, edgesOfLevels, type CountMode as CounterMode, type CountableEdge, type PulseCount } from './streams/counter';
export { edgesToLevels, missedEvents, type EdgeGap, type EdgeLevel, type EdgeOutput } from './streams/edges';
export { pulseOutputs } from './streams/pulse';
export { planPulse, pulseDuration, PULSE_MIN_MS, PULSE_MAX_MS, type PulseCommand, type PulseWrite, type PulsePlan } from './core/pulse';
export { publishLevels } from './streams/levels';
export { pinSnapshots, type SnapshotSources, type SnapshotDeps } from './streams/snapshot';
export { snapshotFold, formatSnapshot, decideReadAll, SNAPSHOT_INTERVAL_MS, type SnapshotFold, type ReadAll } from './core/snapshot';
export { decide, pinTable, type Request, type Reply, type Command, type Decision, type Rejected, type Ignored, type PinTable } from './core/reducer';
export { type Output, type State, type Simulated, type Event, type Count, type Snapshot, type PinEntry, type PinsSnapshot, state, isState, isRejected } from './core/outputs';
export { type ErrorMessage, ErrorKind } from './core/errors';
export * from './core/model';
export * from './core/topics';
export { parseLevel, parsePin, formatLevel } from './core/payload';
export { decodeConfig } from './core/config';
export type { Either, Left, Right } from './core/either';
export type { GpioDriver, SimulatedGpio, DriverError, KernelEdge } from './core/driver';
export { isSimulated } from './core/driver';
export { openSimDriver } from './adapters/gpio/sim';
