output "role_arn" {
  description = "ARN of the role: hand it to Venturi (README.md, step 5)."
  value       = aws_iam_role.venturi.arn
}

# What the role may do, by service and by access level as the AWS Service Authorization Reference
# labels each action. `check-permissions explain` on this module must list exactly these actions
# with these levels (tests/test_onboarding.py compares them): change it with the policies above.
output "granted_permissions" {
  description = "What the role may do: actions by service and access level (List, Read). Nothing else."
  value = merge(
    {
      ce = {
        List = [
          "ce:ListCommitmentPurchaseAnalyses",
          "ce:ListCostAllocationTagBackfillHistory",
          "ce:ListCostAllocationTags",
          "ce:ListCostCategoryDefinitions",
          "ce:ListCostCategoryResourceAssociations",
          "ce:ListSavingsPlansPurchaseRecommendationGeneration",
        ]
        Read = [
          "ce:DescribeCostCategoryDefinition",
          "ce:DescribeNotificationSubscription",
          "ce:DescribeReport",
          "ce:GetAnomalies",
          "ce:GetAnomalyMonitors",
          "ce:GetAnomalySubscriptions",
          "ce:GetApproximateUsageRecords",
          "ce:GetCommitmentPurchaseAnalysis",
          "ce:GetConsoleActionSetEnforced",
          "ce:GetCostAndUsage",
          "ce:GetCostAndUsageComparisons",
          "ce:GetCostAndUsageWithResources",
          "ce:GetCostCategories",
          "ce:GetCostComparisonDrivers",
          "ce:GetCostForecast",
          "ce:GetDimensionValues",
          "ce:GetPreferences",
          "ce:GetReservationCoverage",
          "ce:GetReservationPurchaseRecommendation",
          "ce:GetReservationUtilization",
          "ce:GetRightsizingRecommendation",
          "ce:GetSavingsPlanPurchaseRecommendationDetails",
          "ce:GetSavingsPlansCoverage",
          "ce:GetSavingsPlansPurchaseRecommendation",
          "ce:GetSavingsPlansUtilization",
          "ce:GetSavingsPlansUtilizationDetails",
          "ce:GetTags",
          "ce:GetUsageForecast",
          "ce:ListTagsForResource",
        ]
      }
      s3 = {
        List = ["s3:ListBucket"]
        Read = ["s3:GetBucketLocation", "s3:GetObject"]
      }
      pricing = {
        List = []
        Read = [
          "pricing:DescribeServices",
          "pricing:GetAttributeValues",
          "pricing:GetPriceListFileUrl",
          "pricing:GetProducts",
          "pricing:ListPriceLists",
        ]
      }
      cloudwatch = {
        List = ["cloudwatch:ListMetrics"]
        Read = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"]
      }
      logs = {
        List = ["logs:DescribeLogGroups", "logs:DescribeLogStreams"]
        Read = ["logs:FilterLogEvents", "logs:GetLogEvents"]
      }
      cloudtrail = {
        List = []
        Read = ["cloudtrail:LookupEvents"]
      }
      iam = {
        List = ["iam:ListRoles", "iam:ListUsers"]
        Read = []
      }
      organizations = {
        List = [
          "organizations:ListAccounts",
          "organizations:ListAccountsForParent",
          "organizations:ListChildren",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:ListParents",
          "organizations:ListRoots",
        ]
        Read = [
          "organizations:DescribeAccount",
          "organizations:DescribeOrganization",
          "organizations:DescribeOrganizationalUnit",
        ]
      }
    },
    var.enable_bedrock_access ? {
      bedrock = {
        List = [
          "bedrock:ListCustomModels",
          "bedrock:ListFoundationModels",
          "bedrock:ListInferenceProfiles",
          "bedrock:ListProvisionedModelThroughputs",
        ]
        Read = [
          "bedrock:GetCustomModel",
          "bedrock:GetFoundationModel",
          "bedrock:GetInferenceProfile",
          "bedrock:GetModelInvocationLoggingConfiguration",
          "bedrock:GetProvisionedModelThroughput",
          "bedrock:ListTagsForResource",
        ]
      }
    } : {},
  )
}
