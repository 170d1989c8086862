import type { Policies } from "@pulumi/policy";
import {
  edgeNumbersWithinTier,
  edgeResourcesOfTier,
  edgeRuleExpressionsValid,
  loadBalancerPoolsOfStack,
} from "./edge";
import { edgeObjectsInTenantZone } from "./edgeZones";
import { securityFloorsOfTier } from "./floors";
import { networkAddressSpaceOfTenant } from "./network";
import { observabilityWithinTenant } from "./observability";
import { providersOfPlatform } from "./providers";
import { platformNetworkClosed } from "./platformNetwork";
import { originLockdownPresent, originLockedToEdge } from "./originLockdown";
import { businessOnlyFeatures, cdnFromPremium, sitesAndDomainsWithinTier } from "./features";
import {
  kubernetesThroughRegionalProvider,
  multiRegionBusinessOnly,
  stackReferencesPlatformOnly,
} from "./regions";
import {
  dataServicesOfTenant,
  hostnamesOfTenant,
  namespaceOfTenant,
  networkPolicyWithinTenant,
  resourceTypeAllowed,
} from "./boundary";
import {
  bucketQuotaSumWithinTier,
  bucketQuotaWithinTier,
  dataServiceLimitsPresent,
  dataServiceLimitsWithinTier,
  rabbitmqPolicyWithinTier,
  statefulResourcesProtected,
} from "./dataServices";
import {
  namespaceGuardrailsPresent,
  noSecretsInConfigMaps,
  noSecretsInEnv,
  podSecurityRestricted,
  tenantLabels,
  tierLabelMatchesStack,
} from "./isolation";
import {
  fitsQuotaAtMaxScale,
  limitRangeWithinTier,
  quotaSumEqualsTier,
  tenantQuotaWithinTier,
} from "./quotas";
import { storageClassOfTier, tierStorageClassParameters, volumeSizeForTierIops } from "./storage";
import { tierKnown } from "./tierKnown";
import {
  autoscalerWithinTier,
  containerResourcesWithinTier,
  imageTagPinned,
  noNodePorts,
  workloadSecurity,
} from "./workloads";

/** Every policy of the pack, in the order they are reported. */
export const TIER_POLICIES: Policies = [
  tierKnown,
  resourceTypeAllowed,
  namespaceOfTenant,
  hostnamesOfTenant,
  networkPolicyWithinTenant,
  networkAddressSpaceOfTenant,
  dataServicesOfTenant,
  tenantQuotaWithinTier,
  limitRangeWithinTier,
  quotaSumEqualsTier,
  fitsQuotaAtMaxScale,
  autoscalerWithinTier,
  containerResourcesWithinTier,
  workloadSecurity,
  noNodePorts,
  imageTagPinned,
  storageClassOfTier,
  volumeSizeForTierIops,
  tierStorageClassParameters,
  podSecurityRestricted,
  tenantLabels,
  tierLabelMatchesStack,
  noSecretsInConfigMaps,
  noSecretsInEnv,
  namespaceGuardrailsPresent,
  cdnFromPremium,
  businessOnlyFeatures,
  edgeResourcesOfTier,
  edgeObjectsInTenantZone,
  edgeNumbersWithinTier,
  edgeRuleExpressionsValid,
  securityFloorsOfTier,
  loadBalancerPoolsOfStack,
  multiRegionBusinessOnly,
  kubernetesThroughRegionalProvider,
  stackReferencesPlatformOnly,
  providersOfPlatform,
  observabilityWithinTenant,
  sitesAndDomainsWithinTier,
  bucketQuotaWithinTier,
  bucketQuotaSumWithinTier,
  rabbitmqPolicyWithinTier,
  dataServiceLimitsWithinTier,
  dataServiceLimitsPresent,
  statefulResourcesProtected,
  platformNetworkClosed,
  originLockedToEdge,
  originLockdownPresent,
];
