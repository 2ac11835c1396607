"""Expected errors cross RPC with their fields and data intact."""

from nameko.exceptions import deserialize, serialize

from extranet_common.errors import ConfirmationRequired, InvalidInput


def test_data_keeps_its_types_across_the_wire():
    error = ConfirmationRequired(
        "À confirmer", data={"minutes_at_stake": 40, "dropped": [{"km": None}]}
    )

    rebuilt = deserialize(serialize(error))

    assert type(rebuilt) is ConfirmationRequired
    assert rebuilt.message == "À confirmer"
    assert rebuilt.data == {"minutes_at_stake": 40, "dropped": [{"km": None}]}
    assert rebuilt.fields == {}


def test_fields_survive_the_wire():
    rebuilt = deserialize(serialize(InvalidInput("Bad", {"email": "invalide"})))

    assert rebuilt.fields == {"email": "invalide"}
    assert rebuilt.data is None
