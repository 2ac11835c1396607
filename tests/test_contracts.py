"""Lists that the gateway and a service must agree on, checked together."""

from extranet_gateway.schemas import REFUSAL_REASONS
from timesheets.months import REASONS


def test_the_gateway_offers_exactly_the_refusal_reasons_timesheets_knows():
    assert REFUSAL_REASONS == list(REASONS)
