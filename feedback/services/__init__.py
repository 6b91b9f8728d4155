"""Writes of the feedback app, one module a concern; each service is keyword-only and atomic."""
from .csat import csat_record, csat_request  # noqa: F401
from .features import feature_request_create, feature_request_from_ticket, feature_request_update  # noqa: F401
from .nps import nps_answer, nps_opt_out, nps_send_quarter  # noqa: F401
from .reviews import monthly_review_freeze  # noqa: F401
