# The cross-account role Venturi assumes in the customer's account, and what it may do.
#
# Strictly read-only: every action below is List or Read in the AWS Service Authorization
# Reference, none returns credentials, and the only customer data it reads is the CUR bucket's
# report objects, CloudWatch log events and CloudTrail management events. `check-permissions check`
# proves it (.ci/run runs it on this module); `check-permissions verify` tests it against AWS once
# applied. Wildcards are avoided on purpose: an action AWS adds later under `ce:Get*` would be
# granted without review, so each action is listed by name.

locals {
  # The commercial partition. The module does not read data.aws_partition: an ARN whose partition
  # is known only after apply cannot be proven to name this bucket only.
  cur_bucket_arn  = "arn:aws:s3:::${var.cur_bucket_name}"
  cur_objects_arn = "arn:aws:s3:::${var.cur_bucket_name}/${var.cur_report_prefix}*"
}

# --- Who may assume the role --------------------------------------------------------------------

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "VenturiAssumesWithExternalId"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    # The Venturi account as a whole; the external id is what ties the role to this customer
    # (the confused-deputy protection AWS recommends for third parties). While you verify the
    # role (README.md, step 5), your own principal is listed too, under the same condition.
    principals {
      type        = "AWS"
      identifiers = concat(["arn:aws:iam::${var.venturi_account_id}:root"], var.verifier_principal_arns)
    }

    # StringEquals, never StringLike or ...IfExists: a request without the id, or with another, is refused.
    # During a rotation the retiring id is accepted too (README.md, "Rotate the external id").
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = concat([var.external_id], var.retiring_external_ids)
    }
  }
}

resource "aws_iam_role" "venturi" {
  name                 = var.role_name
  description          = "Read-only cost analysis access for Venturi (cross-account, external id required)."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600 # one hour, the minimum: sessions are short batch reads
  tags                 = var.tags
}

# --- Cost Explorer, the CUR bucket, the price list ----------------------------------------------

data "aws_iam_policy_document" "cost_and_usage" {
  # Today's expansion of ce:Get*, ce:Describe* and ce:List*, listed by name. The Get* queries are
  # billed by AWS per request (USD 0.01); Venturi pays attention to the number of calls it makes.
  statement {
    sid    = "CostExplorerRead"
    effect = "Allow"
    actions = [
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
      "ce:ListCommitmentPurchaseAnalyses",
      "ce:ListCostAllocationTagBackfillHistory",
      "ce:ListCostAllocationTags",
      "ce:ListCostCategoryDefinitions",
      "ce:ListCostCategoryResourceAssociations",
      "ce:ListSavingsPlansPurchaseRecommendationGeneration",
      "ce:ListTagsForResource",
    ]
    resources = ["*"] # Cost Explorer queries have no resource type
  }

  # Listing the report's keys. With a prefix, only keys under it may be listed (s3:prefix).
  statement {
    sid       = "CurBucketList"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.cur_bucket_arn]

    dynamic "condition" {
      for_each = var.cur_report_prefix == "" ? [] : [var.cur_report_prefix]
      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${condition.value}*"]
      }
    }
  }

  # Separate from CurBucketList: GetBucketLocation requests carry no s3:prefix, so the condition
  # above would refuse them. SDKs call it to find the bucket's region.
  statement {
    sid       = "CurBucketLocation"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.cur_bucket_arn]
  }

  # The report files, under the prefix only. Object contents are customer data: this is the only
  # S3 data the role can read.
  statement {
    sid       = "CurReportObjectsRead"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.cur_objects_arn]
  }

  # The public AWS price list (free, no customer data). GetPriceListFileUrl returns a download
  # URL for a public price list file, not for anything in the account.
  statement {
    sid    = "PricingRead"
    effect = "Allow"
    actions = [
      "pricing:DescribeServices",
      "pricing:GetAttributeValues",
      "pricing:GetPriceListFileUrl",
      "pricing:GetProducts",
      "pricing:ListPriceLists",
    ]
    resources = ["*"] # the price list has no resource type
  }
}

resource "aws_iam_role_policy" "cost_and_usage" {
  name   = "cost-and-usage-read"
  role   = aws_iam_role.venturi.id
  policy = data.aws_iam_policy_document.cost_and_usage.json
}

# --- Bedrock metadata (optional) ------------------------------------------------------------------

data "aws_iam_policy_document" "bedrock" {
  count = var.enable_bedrock_access ? 1 : 0

  # What models and capacity exist and how invocations are logged: metadata only. No Invoke*,
  # Converse* or GetInvoke (model output), no GetAsyncInvoke, no knowledge bases or agents.
  statement {
    sid    = "BedrockMetadataRead"
    effect = "Allow"
    actions = [
      "bedrock:GetCustomModel",
      "bedrock:GetFoundationModel",
      "bedrock:GetInferenceProfile",
      "bedrock:GetModelInvocationLoggingConfiguration",
      "bedrock:GetProvisionedModelThroughput",
      "bedrock:ListCustomModels",
      "bedrock:ListFoundationModels",
      "bedrock:ListInferenceProfiles",
      "bedrock:ListProvisionedModelThroughputs",
      # Cost allocation tags of application inference profiles and provisioned throughput.
      "bedrock:ListTagsForResource",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = length(var.bedrock_regions) > 0 ? [var.bedrock_regions] : []
      content {
        test     = "StringEquals"
        variable = "aws:RequestedRegion"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role_policy" "bedrock" {
  count = var.enable_bedrock_access ? 1 : 0

  name   = "bedrock-metadata-read"
  role   = aws_iam_role.venturi.id
  policy = data.aws_iam_policy_document.bedrock[0].json
}

# --- CloudWatch metrics, log events, CloudTrail lookups ------------------------------------------

data "aws_iam_policy_document" "observability" {
  # Usage metrics (Bedrock token counts, request counts) for cost attribution.
  statement {
    sid    = "CloudWatchMetricsRead"
    effect = "Allow"
    actions = [
      "cloudwatch:GetMetricData",
      "cloudwatch:GetMetricStatistics",
      "cloudwatch:ListMetrics",
    ]
    resources = ["*"] # metrics have no resource type

    dynamic "condition" {
      for_each = length(var.log_regions) > 0 ? [var.log_regions] : []
      content {
        test     = "StringEquals"
        variable = "aws:RequestedRegion"
        values   = condition.value
      }
    }
  }

  # Log events (e.g. Bedrock invocation logs) are customer data: the read-only gate profile allows
  # these two reads on every log group because the onboarding needs them; scope them with log_regions.
  statement {
    sid    = "LogEventsRead"
    effect = "Allow"
    actions = [
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:FilterLogEvents",
      "logs:GetLogEvents",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = length(var.log_regions) > 0 ? [var.log_regions] : []
      content {
        test     = "StringEquals"
        variable = "aws:RequestedRegion"
        values   = condition.value
      }
    }
  }

  # Management events of the last 90 days (who created what, when), to attribute costs.
  statement {
    sid       = "CloudTrailLookup"
    effect    = "Allow"
    actions   = ["cloudtrail:LookupEvents"]
    resources = ["*"] # LookupEvents has no resource type

    dynamic "condition" {
      for_each = length(var.log_regions) > 0 ? [var.log_regions] : []
      content {
        test     = "StringEquals"
        variable = "aws:RequestedRegion"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role_policy" "observability" {
  name   = "observability-read"
  role   = aws_iam_role.venturi.id
  policy = data.aws_iam_policy_document.observability.json
}

# --- IAM and Organizations listing ----------------------------------------------------------------

data "aws_iam_policy_document" "directory" {
  # Names of roles and users, to attribute costs to workloads and people. Lists only: no
  # policies, no access keys, no credential report.
  statement {
    sid    = "IamListing"
    effect = "Allow"
    actions = [
      "iam:ListRoles",
      "iam:ListUsers",
    ]
    resources = ["*"]
  }

  # The organization's hierarchy (accounts, organizational units), to group costs as you do.
  # No policies, handshakes or delegated administrators.
  statement {
    sid    = "OrganizationsHierarchyRead"
    effect = "Allow"
    actions = [
      "organizations:DescribeAccount",
      "organizations:DescribeOrganization",
      "organizations:DescribeOrganizationalUnit",
      "organizations:ListAccounts",
      "organizations:ListAccountsForParent",
      "organizations:ListChildren",
      "organizations:ListOrganizationalUnitsForParent",
      "organizations:ListParents",
      "organizations:ListRoots",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "directory" {
  name   = "directory-read"
  role   = aws_iam_role.venturi.id
  policy = data.aws_iam_policy_document.directory.json
}
