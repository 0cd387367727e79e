"""Screening's use cases: every write goes through one of these (views, API, CLI, imports)."""

from outbreakhq.screening.services.batch import MAX_BATCH, TubeAnswer, submit_tube_batch
from outbreakhq.screening.services.bulk import Batch, submit_tubes
from outbreakhq.screening.services.common import (
    access_recall,
    access_round,
    access_site,
    access_tube,
    box_by_code,
    code_of,
    tube_by_barcode,
)
from outbreakhq.screening.services.planning import (
    close_round,
    create_campaign,
    create_lab,
    create_round,
    create_site,
    exempt_person,
)
from outbreakhq.screening.services.results import (
    Recorded,
    Reported,
    record_results,
    report_results,
    results_of,
    results_of_many,
)
from outbreakhq.screening.services.tubes import (
    Submitted,
    capacity_of,
    receive_box,
    ship_box,
    submit_tube,
)

__all__ = ["MAX_BATCH", "Batch", "Recorded", "Reported", "Submitted", "TubeAnswer",
           "access_recall", "access_round",
           "access_site", "access_tube", "box_by_code", "capacity_of", "close_round",
           "code_of", "create_campaign", "create_lab", "create_round", "create_site",
           "exempt_person",
           "receive_box", "record_results", "report_results", "results_of", "results_of_many",
           "ship_box",
           "submit_tube", "submit_tube_batch", "submit_tubes", "tube_by_barcode"]
