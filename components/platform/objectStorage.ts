import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";
import { PLATFORM_SERVICES } from "./serviceLocations";
import { statefulOptions } from "../shared/statefulOptions";

export interface ObjectStorageArgs {
  /** Secret (in the minio namespace) with the root user and password (rootUser, rootPassword). */
  readonly rootSecret: string;
  /** Secret (in the minio namespace) with the server certificate (tls.crt, tls.key): MinIO serves TLS only. */
  readonly tlsSecret: string;
  readonly storageClassName: pulumi.Input<string>;
}

/** MinIO, distributed over 4 nodes, serving S3 over TLS on PLATFORM_SERVICES.objectStorage. */
export class ObjectStorage extends pulumi.ComponentResource {
  constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:ObjectStorage", name, {}, opts);
    const { objectStorage } = PLATFORM_SERVICES;
    const namespace = platformNamespace(objectStorage.namespace, { parent: this });
    pinnedRelease(
      "minio",
      "minio",
      objectStorage.namespace,
      {
        mode: "distributed",
        replicas: 4,
        existingSecret: args.rootSecret,
        tls: { enabled: true, certSecret: args.tlsSecret, publicCrt: "tls.crt", privateKey: "tls.key" },
        service: { port: String(objectStorage.port) },
        persistence: { storageClass: args.storageClassName, size: "500Gi" },
      },
      { parent: this, dependsOn: [namespace], ...statefulOptions("protected") },
    );
    this.registerOutputs({});
  }
}
