#!/usr/bin/env python3
"""Whole-process speed of the gate on CloudFormation templates.

Targets:
- a 500-resource template (roles with inline policies, managed policies attached by Ref, buckets
  with bucket policies, queues, Lambda permissions, conditions and parameters) judged in under 2 s;
- a small template (one role, one inline policy): cold start at most 0.6 of ``parliament --file``
  on the same policy as a JSON file (parliament reads no templates), side by side as
  ``bench_gate.py`` measures the one-policy budget.

Run: ``.venv/bin/python benchmarks/bench_cloudformation.py [--runs 7]``. Prints the median wall and
CPU time of each command and whether each target is met.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gate import BIN, interleaved

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]},
    {"Sid": "Describe", "Effect": "Allow", "Action": ["ec2:DescribeInstances", "cloudwatch:GetMetricData"],
     "Resource": "*"}]}


def small_template() -> str:
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Reader": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "read", "PolicyDocument": POLICY}]}}}}, indent=2)


def large_template(resources: int = 500) -> str:
    """A YAML template of ``resources`` resources, in groups of five."""
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Parameters:", "  Stage:", "    Type: String",
             "    AllowedValues: [dev, prod]", "Conditions:", "  IsProd: !Equals [!Ref Stage, prod]", "Resources:"]
    for i in range(resources // 5):
        lines += [
            f"  Role{i}:", "    Type: AWS::IAM::Role", "    Properties:",
            "      AssumeRolePolicyDocument:", '        Version: "2012-10-17"', "        Statement:",
            "          - Effect: Allow", "            Principal: {Service: lambda.amazonaws.com}",
            "            Action: sts:AssumeRole",
            "      ManagedPolicyArns:", f"        - !Ref Managed{i}",
            '        - !Sub "arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"',
            "      Policies:", "        - PolicyName: read", "          PolicyDocument:",
            '            Version: "2012-10-17"', "            Statement:",
            "              - Effect: Allow",
            "                Action: !If [IsProd, [s3:GetObject], [s3:GetObject, s3:ListBucket]]",
            f'                Resource: !Sub "${{Bucket{i}.Arn}}/*"',
            f"  Managed{i}:", "    Type: AWS::IAM::ManagedPolicy", "    Properties:", "      PolicyDocument:",
            '        Version: "2012-10-17"', "        Statement:", "          - Effect: Allow",
            "            Action: [ec2:DescribeInstances, cloudwatch:GetMetricData]", '            Resource: "*"',
            f"  Bucket{i}:", "    Type: AWS::S3::Bucket",
            f"  BucketPolicy{i}:", "    Type: AWS::S3::BucketPolicy", "    Properties:", f"      Bucket: !Ref Bucket{i}",
            "      PolicyDocument:", '        Version: "2012-10-17"', "        Statement:",
            "          - Effect: Allow", f"            Principal: {{AWS: !GetAtt Role{i}.Arn}}",
            "            Action: s3:GetObject", f'            Resource: !Sub "${{Bucket{i}.Arn}}/*"',
            f"  Invoke{i}:", "    Type: AWS::Lambda::Permission", "    Properties:",
            f"      FunctionName: arn:aws:lambda:us-east-1:111122223333:function:f{i}",
            "      Action: lambda:InvokeFunction", "      Principal: s3.amazonaws.com",
            "      SourceAccount: !Ref AWS::AccountId", f"      SourceArn: !GetAtt Bucket{i}.Arn",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    gate = str(BIN / "check-permissions")
    parliament = str(BIN / "parliament")
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.json"
        small.write_text(small_template())
        policy = Path(tmp) / "policy.json"
        policy.write_text(json.dumps(POLICY, indent=2))
        got = interleaved({"gate": [gate, "check", str(small)], "parliament": [parliament, "--file", str(policy)]},
                          args.runs)
        (g, gc, g_code, g_err), (p, pc, _, _) = got["gate"], got["parliament"]
        if g_code not in (0, 1):
            print(g_err)
            return 2
        print(f"small template: check-permissions {g:.3f} s (cpu {gc:.3f})   parliament --file (its policy) "
              f"{p:.3f} s (cpu {pc:.3f})   ratio {g / p:.2f}   at most 0.6: {'met' if g <= 0.6 * p else 'MISSED'}")
        large = Path(tmp) / "large.yaml"
        large.write_text(large_template())
        got = interleaved({"gate": [gate, "check", str(large), "--parameters", "Stage=dev"]}, max(args.runs // 2, 3))
        w, c, code, err = got["gate"]
        if code not in (0, 1):
            print(err)
            return 2
        print(f"500-resource template: check-permissions {w:.3f} s (cpu {c:.3f})   under 2 s: "
              f"{'met' if w < 2 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
