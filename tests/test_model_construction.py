"""What the front ends build with ``model_construct`` is what pydantic's validation builds.

``model_construct`` skips validation (see :class:`checker.model._Frozen`): these tests check that the
values the front ends pass are of the declared types, so that validating the dumped model gives an
equal object.
"""

from __future__ import annotations

import pickle

from checker.model import Located, PolicyDocument, Statement
from checker.sources.json_policy import load_json_text

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}}},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::x"],
     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
    {"Effect": "Allow", "Action": 3}
  ]
}
"""


def test_json_front_end_builds_what_validation_builds() -> None:
    documents = load_json_text(POLICY, "policy.json").documents
    assert documents
    for doc in documents:
        assert PolicyDocument.model_validate(doc.model_dump()) == doc
        assert pickle.loads(pickle.dumps(doc)) == doc
    first = documents[0].statements[0]
    assert first.action == (Located(value="s3:GetObject", line=4), Located(value="s3:List*", line=4))
    assert first.action[0].model_fields_set == Located(value="s3:GetObject", line=4).model_fields_set


def test_construct_fills_defaults_and_factories() -> None:
    s1 = Statement.model_construct(index=0)
    assert s1 == Statement(index=0)
    assert s1.condition == {} and s1.condition is not Statement.model_construct(index=0).condition
