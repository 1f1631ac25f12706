/**
 * @module gateway-queue: the queue as the daemon starts it when its state is in Redis: the calls run through the
 * gateway's meta-tools' context, with the profiles of the config as it is at each call. Started once the core is
 * started; stopped before the core drains and closes (its calls in flight need the backends) and before the Redis
 * client it was given is closed.
 */
import { hostname } from 'node:os';
import type { GatewayConfig } from '../config/index.js';
import type { MetaContext } from '../meta/context.js';
import { createQueueInvoke } from './queue-invoke.js';
import { startToolQueue, type ToolQueue, type ToolQueueOptions } from './tool-queue.js';

export interface GatewayQueueOptions extends Omit<ToolQueueOptions, 'invoke' | 'consumerName'> {
  /** The core's `meta`. */
  meta: MetaContext;
  /** The config in force (a getter: a reload may change clients and profiles). */
  config: () => Pick<GatewayConfig, 'auth' | 'profiles'>;
  /** Default: the host's name (a pod's name in Kubernetes) and the process id. */
  consumerName?: string;
}

export function startGatewayQueue(options: GatewayQueueOptions): Promise<ToolQueue> {
  const { meta, config, consumerName, ...rest } = options;
  return startToolQueue({
    ...rest,
    consumerName: consumerName ?? defaultConsumerName(),
    invoke: createQueueInvoke(meta, config),
  });
}

/** Unique among replicas: a pod's name is its host name, and two gateways on one host differ by process id. */
export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}
