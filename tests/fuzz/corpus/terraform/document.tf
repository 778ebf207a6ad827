data "aws_iam_policy_document" "read" {
  statement {
    sid       = "Read"
    actions   = ["ce:GetCostAndUsage", "s3:PutObject"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["us-east-1"]
    }
  }
  dynamic "statement" {
    for_each = toset(["logs:GetLogEvents"])
    content {
      actions   = [statement.value]
      resources = ["*"]
    }
  }
}

resource "aws_iam_policy" "p" {
  name   = "p"
  policy = data.aws_iam_policy_document.read.json
}
