from __future__ import annotations

from typing import ClassVar

from checker.engine.findings import Severity
from checker.engine.rule import EngineRule


class UnusedSuppression(EngineRule):
    """Suppression or exception silences nothing

    ## What it does
    Reports a `check-permissions:ignore` comment (each rule id in it) that matched no finding on its
    line or the next line of code, and an exception of the configuration file that matched no
    finding. An exception whose `path` glob matches none of the files checked in this run (a
    partial run, such as pre-commit on a few files) is not judged. The engine reports this rule
    after the other rules have run; it cannot be suppressed itself, but a profile can switch it off.

    ## Why is this bad?
    A stale suppression is a hole waiting for a finding: when the policy changes, the comment or the
    exception silently swallows whatever new finding lands on that line or path. Suppressions should
    exist only while they silence something, with the reason still true.

    ## Example
    ```hcl
    # check-permissions:ignore IAM101 reason: the CUR export writes here
    actions = ["s3:GetObject"]  # the write was removed, the comment stayed
    ```
    Use instead: remove the comment (or the exception) once the finding it silenced is gone.

    ## References
    - https://github.com/terraform-linters/tflint/blob/master/docs/user-guide/annotations.md
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    """

    id = "IAM010"
    name = "unused-suppression"
    severity = Severity.WARNING
    ignorable: ClassVar[bool] = False
