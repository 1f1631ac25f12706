/** @module config — the only entry point to configuration for the rest of the gateway. */
export type {
  BackendCommon,
  BackendConfig,
  EmbeddingsConfig,
  GatewayConfig,
  HttpBackendConfig,
  LoadedConfig,
  PipelineConfig,
  PipelineStage,
  PipelineStep,
  SearchConfig,
  RestSessionsConfig,
  StdioBackendConfig,
  Transport,
  AuthConfig,
  AuthClientConfig,
  JwtConfig,
  ProfileConfig,
} from './types.js';
export { sha256Hex } from './normalize-auth.js';
export { ConfigError } from './errors.js';
export { loadConfigFile, parseConfig } from './load.js';
export { findConfigFile } from './locate.js';
export { CONFIG_DEFAULTS } from './defaults.js';
export { splitCommand } from './split-command.js';
export { PIPELINES_BACKEND } from './names.js';
export { expressionSource, templateExpressions } from './pipeline-expressions.js';
export { loadJsonata } from './jsonata.js';
export { formatPath } from './load.js';
export { BACKEND_NAME_PATTERN, RESERVED_NAMES } from './schema.js';
export { expandString } from './env.js';
