/**
 * The CrossGuard pack: `pulumi preview --policy-pack policy`. The only module that constructs
 * PolicyPack (which starts a gRPC server); the policies themselves live in ./policies.
 */
import { PolicyPack } from "@pulumi/policy";
import { TIER_POLICIES } from "./policies";

new PolicyPack("collect-verything-tiers", { policies: TIER_POLICIES });
