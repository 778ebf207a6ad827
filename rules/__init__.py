"""The rules of check-permissions: one rule per module, ``iam<NNN>_<name>.py`` (shipped as ``checker.rules``)."""
