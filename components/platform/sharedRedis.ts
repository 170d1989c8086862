import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { platformNamespace } from "./platformNamespace";
import { PLATFORM_SERVICES } from "./serviceLocations";

export const SHARED_REDIS_IMAGE = "redis:7.4.2-alpine";

/**
 * The shared Redis: the cache and sessions of tiers without their own (catalog `redis: "platform"`)
 * and Envoy Gateway's rate-limit counters. A cache: no volume, evicting the least recently used keys.
 */
export class SharedRedis extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:SharedRedis", name, {}, opts);
    const { redis } = PLATFORM_SERVICES;
    const namespace = platformNamespace(redis.namespace, { parent: this });
    const labels = {
      "app.kubernetes.io/name": "redis",
      "app.kubernetes.io/part-of": "collect-verything-platform",
    };
    const inNamespace = { parent: this, dependsOn: [namespace] };
    new apps.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: "redis", namespace: redis.namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 999,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "redis",
                  image: SHARED_REDIS_IMAGE,
                  args: ["--maxmemory", "3gb", "--maxmemory-policy", "allkeys-lru", "--save", ""],
                  ports: [{ name: "redis", containerPort: redis.port }],
                  resources: {
                    requests: { cpu: "500m", memory: "4Gi" },
                    limits: { cpu: "2", memory: "4Gi" },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                },
              ],
            },
          },
        },
      },
      inNamespace,
    );
    new core.Service(
      `${name}-service`,
      {
        metadata: { name: "redis", namespace: redis.namespace, labels },
        spec: { selector: labels, ports: [{ name: "redis", port: redis.port, targetPort: "redis" }] },
      },
      inNamespace,
    );
    this.registerOutputs({});
  }
}
