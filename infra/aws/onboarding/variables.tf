# Inputs of the onboarding module. terraform.tfvars.example shows every one with a comment.

variable "aws_region" {
  description = "Region of the AWS provider's endpoint. IAM is global, so this does not limit the role."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1."
  }
}

variable "venturi_account_id" {
  description = "The Venturi AWS account that assumes the role (12 digits, given by Venturi during onboarding)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.venturi_account_id))
    error_message = "venturi_account_id must be exactly 12 digits (an AWS account id, no dashes)."
  }
}

variable "external_id" {
  description = "The external id Venturi gave you: the role can only be assumed with it (sts:ExternalId)."
  type        = string
  sensitive   = true

  # AWS accepts 2 to 1,224 characters of [A-Za-z0-9+=,.@:/_-]; in particular no wildcard (* or ?),
  # which StringEquals would compare literally but which must never look like a pattern.
  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id))
    error_message = "external_id must be 2 to 1,224 characters of letters, digits and +=,.@:/_- (no wildcard characters such as * or ?)."
  }
}

variable "retiring_external_ids" {
  description = "During an external id rotation only: the previous id(s), still accepted until Venturi has switched to the new external_id. Leave empty otherwise."
  type        = list(string)
  default     = []
  sensitive   = true

  validation {
    condition     = alltrue([for id in var.retiring_external_ids : length(id) >= 2 && length(id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", id))])
    error_message = "Each retiring external id must be 2 to 1,224 characters of letters, digits and +=,.@:/_- (no wildcard characters)."
  }
}

variable "verifier_principal_arns" {
  description = "Only while you run scripts/verify.sh (README.md, step 5): your own IAM role or user ARN(s), allowed to assume the role with the same external id. Leave empty otherwise."
  type        = list(string)
  default     = []

  # Exact role or user ARNs only: no account root, no wildcard, so nobody else is let in.
  validation {
    condition     = alltrue([for arn in var.verifier_principal_arns : can(regex("^arn:aws:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "verifier_principal_arns must list IAM role or user ARNs (arn:aws:iam::123456789012:role/NAME), without wildcards."
  }
}

variable "cur_bucket_name" {
  description = "Name of the S3 bucket your Cost and Usage Report (CUR) is delivered to. The role reads this bucket only."
  type        = string

  # S3 bucket naming rules: this is also what keeps a wildcard out of the bucket ARN.
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.cur_bucket_name))
    error_message = "cur_bucket_name must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens (no wildcards, no ARN)."
  }
}

variable "cur_report_prefix" {
  description = "S3 key prefix of the report inside the bucket, ending in \"/\" (e.g. \"cur/\"); \"\" for the whole bucket."
  type        = string
  default     = ""

  validation {
    condition     = var.cur_report_prefix == "" || (endswith(var.cur_report_prefix, "/") && !startswith(var.cur_report_prefix, "/") && !can(regex("[*?$]", var.cur_report_prefix)))
    error_message = "cur_report_prefix must be \"\" or a key prefix ending in \"/\" (e.g. \"cur/\"), not starting with \"/\", without *, ? or $."
  }
}

variable "enable_bedrock_access" {
  description = "Grant the Bedrock metadata reads (models, inference profiles, provisioned throughput, logging configuration). Never model invocation."
  type        = bool
  default     = true
}

variable "role_name" {
  description = "Name of the IAM role created in your account."
  type        = string
  default     = "VenturiCostAnalysisReadOnly"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 characters of letters, digits and +=,.@_-."
  }
}

variable "bedrock_regions" {
  description = "Regions where the Bedrock reads are allowed (aws:RequestedRegion); [] allows every region."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.bedrock_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    error_message = "bedrock_regions must list region names such as us-east-1 (no wildcards)."
  }
}

variable "log_regions" {
  description = "Regions where the CloudWatch metric, log event and CloudTrail reads are allowed (aws:RequestedRegion); [] allows every region."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.log_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))])
    error_message = "log_regions must list region names such as us-east-1 (no wildcards)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
