"""News of the agency and the network."""

from extranet_gateway import schemas
from extranet_gateway.routing import CAREGIVER, STAFF, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


@route(
    f"{ME}/news",
    ["GET"],
    CAREGIVER,
    "News of my agency and the network",
    query=schemas.Paging,
)
def news(call: Call):
    return call.service.notifications_rpc.list_news(
        call.actor, call.args["page"], call.args["per_page"]
    )


@route(f"{ME}/news/read-all", ["POST"], CAREGIVER, "Mark every news item read")
def news_read_all(call: Call):
    return call.service.notifications_rpc.mark_all_news_read(call.actor)


@route(f"{ME}/news/<news_id>/read", ["POST"], CAREGIVER, "Mark a news item read")
def news_read(call: Call, news_id: str):
    call.service.notifications_rpc.mark_news_read(call.actor, news_id)


@route(f"{AGENCY}/news", ["GET"], STAFF, "The agency's news", query=schemas.Paging)
def agency_news(call: Call):
    return call.service.notifications_rpc.list_news(
        call.actor, call.args["page"], call.args["per_page"]
    )


@route(f"{AGENCY}/news", ["POST"], STAFF, "Publish news", body=schemas.News, status=201)
def publish_news(call: Call):
    data = call.data
    return call.service.notifications_rpc.publish_news(
        call.actor, data["title"], data["body"], data["scope"]
    )


@route(f"{ME}/news/<news_id>", ["GET"], CAREGIVER, "One news item")
def one_news(call: Call, news_id: str):
    return call.service.notifications_rpc.get_news(call.actor, news_id)


@route(f"{AGENCY}/news/<news_id>", ["DELETE"], STAFF, "Withdraw a news item")
def withdraw_news(call: Call, news_id: str):
    call.service.notifications_rpc.withdraw_news(call.actor, news_id)
