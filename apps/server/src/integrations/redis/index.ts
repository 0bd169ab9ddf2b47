export {
  RedisChannel,
  describeRedisUrl,
  type RedisChannelHandlers,
  type RedisChannelOptions,
} from './redis.channel.js';
export { RedisCounters, type CounterWindow, type RedisCountersOptions } from './redis.counters.js';
export { RedisRpc, type RedisRpcOptions, type RpcResult } from './redis.rpc.js';
