"""News rules on SQLite and PostgreSQL: who publishes, who sees, read flags."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from extranet_common import clock
from extranet_common.errors import InvalidInput, NotFound, PermissionDenied
from extranet_common.migrations import differences, upgrade
from notifications import news
from notifications.models import MESSAGING, Base

START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
AGENCY_A = "agency-a"
AGENCY_B = "agency-b"


def caregiver(agency_id):
    return {"id": str(uuid.uuid4()), "role": "caregiver", "agency_id": agency_id}


def staff(agency_id):
    return {"id": str(uuid.uuid4()), "role": "staff", "agency_id": agency_id}


def admin():
    return {"id": str(uuid.uuid4()), "role": "admin", "agency_id": None}


@pytest.fixture
def publish(db_session):
    """Publish posts one hour apart, so their order is known."""
    published = []

    def publish_one(actor, title, scope="agency", body="Texte."):
        at = START + timedelta(hours=len(published))
        with clock.frozen(at):
            item = news.publish_news(db_session, actor, title, body, scope)
        db_session.commit()
        published.append(item)
        return item

    return publish_one


def titles(page):
    return [item["title"] for item in page["items"]]


def test_models_and_migrations_agree(database_url):
    upgrade(database_url, "notifications")

    assert differences(database_url, Base.metadata) == []


def test_staff_publishes_for_her_agency_and_an_event_is_recorded(db_session):
    item = news.publish_news(
        db_session, staff(AGENCY_A), "  Fermeture  ", "Le 1er novembre.", "agency"
    )
    db_session.commit()

    (row,) = MESSAGING.pending(db_session)
    event = json.loads(row.payload)
    assert item["title"] == "Fermeture"
    assert item["scope"] == "agency"
    assert item["read"] is False
    assert event["event_type"] == "news_published"
    assert event["agency_id"] == AGENCY_A
    assert event["data"] == {
        "news_id": item["id"],
        "scope": "agency",
        "title": "Fermeture",
    }


def test_the_network_publishes_for_everyone(db_session):
    item = news.publish_news(db_session, admin(), "Réseau", "Bonjour.", "network")
    db_session.commit()

    (row,) = MESSAGING.pending(db_session)
    assert item["scope"] == "network"
    assert json.loads(row.payload)["agency_id"] is None


@pytest.mark.parametrize(
    ("actor", "scope"),
    [
        (caregiver(AGENCY_A), "agency"),
        (caregiver(AGENCY_A), "network"),
        (staff(AGENCY_A), "network"),
        (admin(), "agency"),
        ({"id": "x", "role": "intruder", "agency_id": AGENCY_A}, "agency"),
    ],
)
def test_who_may_not_publish(db_session, actor, scope):
    with pytest.raises(PermissionDenied):
        news.publish_news(db_session, actor, "Titre", "Texte.", scope)

    assert MESSAGING.pending(db_session) == []


def test_a_post_needs_a_title_a_body_and_a_known_scope(db_session):
    with pytest.raises(InvalidInput) as missing:
        news.publish_news(db_session, staff(AGENCY_A), " ", "", "agency")
    with pytest.raises(InvalidInput) as scope:
        news.publish_news(db_session, staff(AGENCY_A), "T", "B", "everyone")

    assert set(missing.value.fields) == {"title", "body"}
    assert "scope" in scope.value.fields


def test_body_html_is_escaped_with_paragraphs_and_line_breaks():
    html = news.render_body("Bonjour <script>x</script>\r\nà demain & merci\n\n\nFin")

    assert html == (
        "<p>Bonjour &lt;script&gt;x&lt;/script&gt;<br>\nà demain &amp; merci</p>\n"
        "<p>Fin</p>"
    )


def test_a_caregiver_sees_her_agency_and_the_network_newest_first(db_session, publish):
    publish(staff(AGENCY_A), "A ancienne")
    publish(staff(AGENCY_B), "B")
    publish(admin(), "Réseau", "network")
    publish(staff(AGENCY_A), "A récente")

    page = news.list_news(db_session, caregiver(AGENCY_A))

    assert titles(page) == ["A récente", "Réseau", "A ancienne"]
    assert page["total"] == 3
    assert page["unread"] == 3
    assert set(page["items"][0]) == {
        "id",
        "title",
        "body",
        "body_html",
        "scope",
        "published_at",
        "read",
    }
    assert page["items"][0]["published_at"] == "2026-10-01T11:00:00+00:00"


def test_pages_split_the_list(db_session, publish):
    for number in range(5):
        publish(staff(AGENCY_A), f"N{number}")

    first = news.list_news(db_session, caregiver(AGENCY_A), page=1, per_page=2)
    last = news.list_news(db_session, caregiver(AGENCY_A), page=3, per_page=2)
    beyond = news.list_news(db_session, caregiver(AGENCY_A), page=4, per_page=2)

    assert titles(first) == ["N4", "N3"]
    assert titles(last) == ["N0"]
    assert beyond["items"] == []
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)


@pytest.mark.parametrize(
    ("page", "per_page", "field"),
    [
        (0, 20, "page"),
        (1, 0, "per_page"),
        (1, 101, "per_page"),
        ("1", 20, "page"),
        (922337203685477580, 20, "page"),
    ],
)
def test_bad_paging_is_refused(db_session, page, per_page, field):
    with pytest.raises(InvalidInput) as error:
        news.list_news(db_session, caregiver(AGENCY_A), page, per_page)

    assert field in error.value.fields


def test_marking_read_is_idempotent_and_counts_down(db_session, publish):
    first = publish(staff(AGENCY_A), "Un")
    publish(admin(), "Deux", "network")
    reader = caregiver(AGENCY_A)

    once = news.mark_news_read(db_session, reader, first["id"])
    twice = news.mark_news_read(db_session, reader, first["id"])
    db_session.commit()
    page = news.list_news(db_session, reader)

    assert once == {"id": first["id"], "read": True, "unread": 1}
    assert twice == once
    assert {item["title"]: item["read"] for item in page["items"]} == {
        "Un": True,
        "Deux": False,
    }
    assert page["unread"] == 1


def test_marking_all_read_covers_what_she_sees_and_only_that(db_session, publish):
    first = publish(staff(AGENCY_A), "Un")
    publish(admin(), "Deux", "network")
    publish(staff(AGENCY_B), "Ailleurs")
    reader, colleague = caregiver(AGENCY_A), caregiver(AGENCY_A)
    news.mark_news_read(db_session, reader, first["id"])

    done = news.mark_all_news_read(db_session, reader)
    again = news.mark_all_news_read(db_session, reader)
    db_session.commit()

    assert done == {"marked": 1, "unread": 0}
    assert again == {"marked": 0, "unread": 0}
    assert news.list_news(db_session, reader)["unread"] == 0
    assert news.list_news(db_session, colleague)["unread"] == 2
    assert news.list_news(db_session, caregiver(AGENCY_B))["unread"] == 2
    with pytest.raises(PermissionDenied):
        news.mark_all_news_read(db_session, staff(AGENCY_A))


def test_read_flags_belong_to_each_caregiver(db_session, publish):
    post = publish(staff(AGENCY_A), "Un")
    reader, colleague = caregiver(AGENCY_A), caregiver(AGENCY_A)

    news.mark_news_read(db_session, reader, post["id"])
    db_session.commit()

    assert news.list_news(db_session, colleague)["unread"] == 1
    assert news.get_news(db_session, reader, post["id"])["read"] is True


def test_a_caregiver_of_another_agency_cannot_read_or_mark_it(db_session, publish):
    post = publish(staff(AGENCY_A), "Interne A")
    outsider = caregiver(AGENCY_B)

    page = news.list_news(db_session, outsider)
    with pytest.raises(NotFound):
        news.get_news(db_session, outsider, post["id"])
    with pytest.raises(NotFound):
        news.mark_news_read(db_session, outsider, post["id"])

    assert page["items"] == [] and page["total"] == 0


def test_an_unknown_post_is_not_found(db_session):
    with pytest.raises(NotFound):
        news.mark_news_read(db_session, caregiver(AGENCY_A), str(uuid.uuid4()))


def test_staff_list_their_agency_without_read_flags(db_session, publish):
    post = publish(staff(AGENCY_A), "A")
    publish(staff(AGENCY_B), "B")
    publish(admin(), "Réseau", "network")
    news.mark_news_read(db_session, caregiver(AGENCY_A), post["id"])
    db_session.commit()

    page = news.list_news(db_session, staff(AGENCY_A))

    assert titles(page) == ["Réseau", "A"]
    assert [item["read"] for item in page["items"]] == [False, False]
    assert page["unread"] == 0


def test_staff_cannot_mark_news_read(db_session, publish):
    post = publish(staff(AGENCY_A), "A")

    with pytest.raises(PermissionDenied):
        news.mark_news_read(db_session, staff(AGENCY_A), post["id"])


def test_the_network_admin_lists_every_post(db_session, publish):
    publish(staff(AGENCY_A), "A")
    publish(staff(AGENCY_B), "B")

    page = news.list_news(db_session, admin())

    assert titles(page) == ["B", "A"]


def test_staff_withdraw_their_post_and_its_read_marks(db_session, publish):
    post = publish(staff(AGENCY_A), "A retirer")
    reader = caregiver(AGENCY_A)
    news.mark_news_read(db_session, reader, post["id"])
    db_session.commit()

    news.withdraw_news(db_session, staff(AGENCY_A), post["id"])
    db_session.commit()

    assert news.list_news(db_session, reader)["items"] == []
    events = [json.loads(row.payload) for row in MESSAGING.pending(db_session)]
    assert events[-1]["event_type"] == "news_withdrawn"
    assert events[-1]["data"] == {"news_id": post["id"], "scope": "agency"}


def test_only_the_author_agency_or_the_network_withdraws(db_session, publish):
    post = publish(staff(AGENCY_A), "A")
    network = publish(admin(), "Réseau", "network")

    with pytest.raises(NotFound):
        news.withdraw_news(db_session, staff(AGENCY_B), post["id"])
    with pytest.raises(NotFound):
        news.withdraw_news(db_session, staff(AGENCY_A), network["id"])
    with pytest.raises(PermissionDenied):
        news.withdraw_news(db_session, caregiver(AGENCY_A), post["id"])
    news.withdraw_news(db_session, admin(), network["id"])
    db_session.commit()

    assert titles(news.list_news(db_session, caregiver(AGENCY_A))) == ["A"]
