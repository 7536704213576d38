export { anomalyFingerprint } from './fingerprint.js';
export {
  createMonitor,
  type Monitor,
  type MonitorAlert,
  type MonitorDispatcher,
  type MonitorOptions,
  type MonitorState,
  type MonitorTargetState,
} from './monitor.js';
export { createStoreTargets, type StoreTarget, type StoreTargetsOptions } from './store-targets.js';
