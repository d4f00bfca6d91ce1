"""A yes/no filter given something else answers with a message: read as "any", it would list
everything and look like an answer."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url, name", [
    ("/api/v1/cases/", "overdue"), ("/api/v1/referrals/", "overdue"), ("/api/v1/distributions/", "voided"),
])
def test_a_yes_no_filter_refuses_anything_but_yes_or_no(api_for, supervisor, url, name):
    client = api_for(supervisor)
    for accepted in ("true", "false", "1", "0", ""):
        assert client.get(f"{url}?{name}={accepted}").status_code == 200, accepted
    response = client.get(f"{url}?{name}=maybe", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.json()[name] == ["Escriba true o false."]
