"""Account endpoints: password rules, first connection, confirmation, login,
logout, reset. Login passes the caller's address to identity, which slows
repeated failures down (HTTP 429 with Retry-After)."""

import unicodedata

from marshmallow import pre_load

from extranet_gateway import schemas
from extranet_gateway.routing import PUBLIC, USER, Call, route

PREFIX = "/api/v1/auth"


class NfcEmail:
    """Mixin: the email is NFC-normalised before it is validated, so an
    address typed with combining accents (e + U+0301, as some keyboards
    send it) is the same address as its composed form."""

    @pre_load
    def compose_email(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": unicodedata.normalize("NFC", data["email"])}
        return data


class Register(NfcEmail, schemas.Register):
    pass


@route(f"{PREFIX}/password-rules", ["GET"], PUBLIC, "The password rules")
def password_rules(call: Call):
    return call.service.identity_rpc.password_rules()


@route(
    f"{PREFIX}/register",
    ["POST"],
    PUBLIC,
    "First connection of an invited caregiver",
    body=Register,
    status=202,
)
def register(call: Call):
    data = call.data
    return call.service.identity_rpc.register(
        data["first_name"], data["last_name"], data["email"], data["password"]
    )


@route(
    f"{PREFIX}/confirm",
    ["POST"],
    PUBLIC,
    "Confirm an account with the emailed token and the password chosen",
    body=schemas.Confirmation,
)
def confirm(call: Call):
    user = call.service.identity_rpc.confirm(call.data["token"], call.data["password"])
    return {"user": user, "next": "login"}


@route(f"{PREFIX}/login", ["POST"], PUBLIC, "Open a session", body=schemas.Login)
def login(call: Call):
    return call.service.identity_rpc.login(
        call.data["email"], call.data["password"], call.client_address
    )


@route(f"{PREFIX}/logout", ["POST"], USER, "End this session")
def logout(call: Call):
    call.service.identity_rpc.logout(call.token)
    call.service.authenticator.forget(call.token)


@route(
    f"{PREFIX}/password-reset",
    ["POST"],
    PUBLIC,
    "Ask for a reset link",
    body=schemas.EmailOnly,
    status=202,
)
def password_reset(call: Call):
    call.service.identity_rpc.request_password_reset(call.data["email"])
    return {
        "message": "Si un compte existe pour cette adresse, un lien de "
        "réinitialisation vient d'y être envoyé."
    }


@route(
    f"{PREFIX}/password-reset/confirm",
    ["POST"],
    PUBLIC,
    "Set a new password from a reset link",
    body=schemas.NewPassword,
)
def password_reset_confirm(call: Call):
    call.service.identity_rpc.reset_password(call.data["token"], call.data["password"])
    return {"next": "login"}
