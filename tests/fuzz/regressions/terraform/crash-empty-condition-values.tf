data "aws_iam_policy_document" "read" {
  statement {
    s= "Read"
    actions   = ["ce:GetCostAndUsage", "s3:PutObject"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = []
      resources = ["*"]
    }
  }
}

resourcd "aws_iam_policy" "p" {
  name   = "p"
  policy = data.aws_iam_policy_document.read.json
}
