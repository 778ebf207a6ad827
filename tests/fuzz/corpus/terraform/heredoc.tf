resource "aws_iam_policy" "h" {
  name   = "h"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "$${aws:username}"}]
    }
  EOT
}
