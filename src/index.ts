/**
 * @module index: the programmatic API: load a config, build a gateway, listen, close.
 */
export { createGateway, RUNTIME_DEFAULTS, type Gateway } from './daemon.js';
export {
  loadConfigFile,
  parseConfig,
  ConfigError,
  type GatewayConfig,
  type BackendConfig,
} from './config/index.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export type { Metrics } from './metrics/metrics.js';
export { GatewayError, ERROR_MAPPING, type GatewayErrorCode } from './errors.js';
export { VERSION } from './version.js';
