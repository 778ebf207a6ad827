"""check-permissions: prove that an AWS IAM policy is what it claims."""

__version__ = "0.1.0"
