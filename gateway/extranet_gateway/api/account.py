"""Who am I, my password; the agency's caregivers (invitations) and its
back-office API keys."""

from marshmallow import Schema, fields, validate

from extranet_gateway import schemas
from extranet_gateway.api.auth import NfcEmail
from extranet_gateway.auth import COOKIE, csrf_token_for
from extranet_gateway.routing import STAFF, USER, Call, route

ME = "/api/v1/me"
AGENCY = "/api/v1/agency"


class PasswordChange(Schema):
    current_password = fields.Str(
        required=True, validate=validate.Length(min=1, max=1000)
    )
    new_password = fields.Str(required=True, validate=validate.Length(max=1000))


class Invitation(NfcEmail, schemas.Invitation):
    pass


class NewApiKey(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))


@route(ME, ["GET"], USER, "Who am I")
def me(call: Call):
    principal = call.principal
    answer = {
        "id": principal["id"],
        "role": principal["role"],
        "email": principal["email"],
        "first_name": principal["first_name"],
        "last_name": principal["last_name"],
        "agency": principal["agency"],
    }
    if call.via == COOKIE:
        answer["csrf_token"] = csrf_token_for(call.token)
    return answer


@route(
    f"{ME}/password",
    ["POST"],
    USER,
    "Change my password (ends my other sessions)",
    body=PasswordChange,
)
def change_password(call: Call):
    call.require_person()
    call.service.identity_rpc.change_password(
        call.actor,
        call.token,
        call.data["current_password"],
        call.data["new_password"],
        call.client_address,
    )
    return {"message": "Mot de passe changé ; vos autres sessions sont fermées."}


@route(f"{AGENCY}/caregivers", ["GET"], STAFF, "The agency's caregivers")
def caregivers(call: Call):
    return {"items": call.service.identity_rpc.agency_caregivers(call.actor)}


@route(
    f"{AGENCY}/caregivers",
    ["POST"],
    STAFF,
    "Invite a caregiver",
    body=Invitation,
    status=201,
)
def invite(call: Call):
    data = call.data
    return call.service.identity_rpc.invite_caregiver(
        call.actor,
        data["first_name"],
        data["last_name"],
        data["email"],
        data.get("phone"),
        data.get("ref"),
    )


@route(
    f"{AGENCY}/api-keys",
    ["POST"],
    STAFF,
    "Create a back-office API key (shown once)",
    body=NewApiKey,
    status=201,
)
def create_api_key(call: Call):
    call.require_person()
    return call.service.identity_rpc.create_api_key(call.actor, call.data["name"])


@route(f"{AGENCY}/api-keys", ["GET"], STAFF, "The agency's back-office API keys")
def api_keys(call: Call):
    call.require_person()
    return {"items": call.service.identity_rpc.list_api_keys(call.actor)}


@route(f"{AGENCY}/api-keys/<key_id>", ["DELETE"], STAFF, "Revoke an API key")
def revoke_api_key(call: Call, key_id: str):
    call.require_person()
    return call.service.identity_rpc.revoke_api_key(call.actor, key_id)
