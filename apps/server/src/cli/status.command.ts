import type { Config } from "../config/config.ts";
import { POD_KIND } from "../app/pod-heartbeat.ts";
import { createRedisClient, closeRedisClient, waitForRedis } from "../platform/registry/redis-client.ts";
import { RedisRegistryStore } from "../platform/registry/redis-registry.ts";

/** `parley status`: the live processes registered in Redis (distributed mode). */
export async function statusCommand(config: Config): Promise<number> {
  if (!config.redisUrl) {
    process.stderr.write(
      "parley status lists the processes registered in Redis; set PARLEY_REDIS_URL (in embedded mode there is one process: see its /readyz)\n",
    );
    return 2;
  }
  const client = createRedisClient({ url: config.redisUrl });
  try {
    await waitForRedis(client);
    const store = new RedisRegistryStore({ client, prefix: config.namespace });
    const pods = await store.registry.list(POD_KIND);
    if (pods.length === 0) process.stdout.write("no live Parley processes\n");
    for (const pod of pods) {
      const info = pod.info as { role?: string; url?: string; version?: string; startedAt?: string };
      process.stdout.write(
        `${pod.id}  role=${info.role ?? "?"}  url=${info.url ?? "?"}  version=${info.version ?? "?"}  since=${info.startedAt ?? "?"}\n`,
      );
    }
    return 0;
  } finally {
    await closeRedisClient(client);
  }
}
