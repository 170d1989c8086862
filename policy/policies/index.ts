import type { Policies } from "@pulumi/policy";
import { edgeNumbersWithinTier, edgeResourcesOfTier, edgeRuleExpressionsValid } from "./edge";
import { businessOnlyFeatures, cdnFromPremium, multiRegionBusinessOnly, sitesAndDomainsWithinTier } from "./features";
import { bucketQuotaSumWithinTier, bucketQuotaWithinTier, rabbitmqPolicyWithinTier, statefulResourcesProtected } from "./dataServices";
import { namespaceGuardrailsPresent, noSecretsInConfigMaps, podSecurityRestricted, tenantLabels, tierLabelMatchesStack } from "./isolation";
import { fitsQuotaAtMaxScale, limitRangeWithinTier, quotaSumEqualsTier, tenantQuotaWithinTier } from "./quotas";
import { storageClassOfTier, tierStorageClassParameters, volumeSizeForTierIops } from "./storage";
import { tierKnown } from "./tierKnown";
import { autoscalerWithinTier, containerResourcesWithinTier, imageTagPinned, workloadSecurity } from "./workloads";

/** Every policy of the pack, in the order they are reported. */
export const TIER_POLICIES: Policies = [
  tierKnown,
  tenantQuotaWithinTier,
  limitRangeWithinTier,
  quotaSumEqualsTier,
  fitsQuotaAtMaxScale,
  autoscalerWithinTier,
  containerResourcesWithinTier,
  workloadSecurity,
  imageTagPinned,
  storageClassOfTier,
  volumeSizeForTierIops,
  tierStorageClassParameters,
  podSecurityRestricted,
  tenantLabels,
  tierLabelMatchesStack,
  noSecretsInConfigMaps,
  namespaceGuardrailsPresent,
  cdnFromPremium,
  businessOnlyFeatures,
  edgeResourcesOfTier, edgeNumbersWithinTier, edgeRuleExpressionsValid,
  multiRegionBusinessOnly,
  sitesAndDomainsWithinTier,
  bucketQuotaWithinTier,
  bucketQuotaSumWithinTier,
  rabbitmqPolicyWithinTier,
  statefulResourcesProtected,
];
