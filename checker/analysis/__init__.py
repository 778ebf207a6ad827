"""Catalog-dependent knowledge: grants, principals, trust, sensitivity, escalation, ARN scoping,
AWS managed policies and the parliament adapter (lint). Imports only the catalog and the model."""
