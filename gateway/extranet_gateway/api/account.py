"""Who am I, and the agency's caregivers (invitations)."""

from extranet_gateway import schemas
from extranet_gateway.routing import STAFF, USER, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


@route(ME, ["GET"], USER, "Who am I")
def me(call: Call):
    principal = call.principal
    return {
        "id": principal["id"],
        "role": principal["role"],
        "email": principal["email"],
        "first_name": principal["first_name"],
        "last_name": principal["last_name"],
        "agency": principal["agency"],
    }


@route(f"{AGENCY}/caregivers", ["GET"], STAFF, "The agency's caregivers")
def caregivers(call: Call):
    return {"items": call.service.identity_rpc.list_caregivers(call.agency["id"])}


@route(
    f"{AGENCY}/caregivers",
    ["POST"],
    STAFF,
    "Invite a caregiver",
    body=schemas.Invitation,
    status=201,
)
def invite(call: Call):
    data = call.data
    return call.service.identity_rpc.invite_caregiver(
        call.agency["id"],
        data["first_name"],
        data["last_name"],
        data["email"],
        data.get("phone"),
        data.get("ref"),
    )
