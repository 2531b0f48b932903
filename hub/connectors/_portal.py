"""Names kept for the flag-carrying models (snapshot batching moved to :mod:`hub.connectors.snapshot`).

``hub.schema`` now gives every entity a ``dataQualityFlag`` list (``HubModel.data_quality_flag``), so the
flag-carrying subclasses this module used to define are plain aliases of the schema's models, kept because other
connectors import them by these names.
"""

from __future__ import annotations

from typing import TypeAlias

from hub.schema.models import Contribution, ContributionStatistics, Organisation, Project

__all__ = [
    "FLAG_KEY",
    "FlaggedContribution",
    "FlaggedOrganisation",
    "FlaggedProject",
    "FlaggedStatistics",
]

#: JSON key of the flag list on a published record.
FLAG_KEY = "dataQualityFlag"

FlaggedProject: TypeAlias = Project
FlaggedOrganisation: TypeAlias = Organisation
FlaggedContribution: TypeAlias = Contribution
FlaggedStatistics: TypeAlias = ContributionStatistics
