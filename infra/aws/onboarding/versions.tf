# Versions this module is written for. Run it as a root module (see README.md): it configures the
# AWS provider itself, in the customer's account.
terraform {
  # 1.3: optional() is not used, but endswith()/startswith() in the variable validations are.
  required_version = ">= 1.3.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  # IAM is global: the region only decides which endpoint Terraform talks to.
  region = var.aws_region
}
