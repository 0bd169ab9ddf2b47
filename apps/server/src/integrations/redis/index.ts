export {
  RedisChannel,
  describeRedisUrl,
  type RedisChannelHandlers,
  type RedisChannelOptions,
} from './redis.channel.js';
