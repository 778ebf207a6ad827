variable "bucket" {
  type    = string
  default = "cur-bucket"
}

locals {
  actions = ["s3:GetObject", "s3:ListBucket"]
}

resource "aws_iam_role" "audit" {
  name               = "audit"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "abc" } }
    }]
  })
}

resource "aws_iam_role_policy" "read" {
  role = aws_iam_role.audit.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [for a in local.actions : { Effect = "Allow", Action = a, Resource = "arn:aws:s3:::${var.bucket}/*" }]
  })
}
