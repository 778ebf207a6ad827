resource "aws_iam_policy" "x" {
  policy = jsonencode({ Statement = [ { Action = 