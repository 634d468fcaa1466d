/**
 * Typed errors of the clustering area. Every code is listed in CLUSTER_ERROR_CODES with a line of
 * documentation; a test checks that every code used under broker/cluster is listed.
 */
import { CodedError } from '../../common/coded-error.js';
export const CLUSTER_ERROR_CODES = {
  CLUSTER_REDIS_URL_INVALID:
    '`redisUrl` is not a redis://, rediss://, redis-sentinel://…#primary or redis-cluster://host:port[,host:port…] URL (e.g. redis://:password@host:6379/0).',
  CLUSTER_REDIS_UNREACHABLE: 'Redis did not answer within the start-up wait; the node does not start without its shared state.',
  CLUSTER_STORE_DOWN:
    'Redis was unreachable: a CONNECT was closed before CONNACK, or a QoS 1/2 or retained PUBLISH was refused (connection closed, nothing acknowledged).',
} as const;

export type ClusterErrorCode = keyof typeof CLUSTER_ERROR_CODES;

export class ClusterError extends CodedError<ClusterErrorCode> {}
