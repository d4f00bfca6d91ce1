"""A request naming a record or a code that is not there is answered in words an officer or a
partner's developer can act on, in their language."""
import uuid

import pytest

from casework.models import Household
from tests.factories import register

pytestmark = pytest.mark.django_db


def test_an_unknown_or_malformed_id_or_code_is_named_plainly(api_for, officer):
    client = api_for(officer)
    missing = uuid.uuid4()
    response = client.post("/api/v1/individuals/", {
        "household": str(missing), "relationship_to_head": "child", "given_name": "Luis", "family_name": "Rojas",
        "sex": "male", "date_of_birth": "2019-05-02", "nationality": "VEN", "document_type": "none"},
        format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.json()["household"] == [f"No hay ningún registro con el id «{missing}» que usted pueda ver. "
                                            "Revise el id."]
    response = client.post("/api/v1/individuals/", {"household": "not-an-id"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and response.json()["household"] == ["“not-an-id” no es un UUID válido."]
    register(officer)
    response = client.post("/api/v1/households/", {
        "site": "XYZ", "population_type": "in_transit", "members": [
            {"relationship_to_head": "head", "given_name": "Ana", "family_name": "Rojas", "sex": "female",
             "date_of_birth": "1990-01-02", "nationality": "VEN", "document_type": "none"}]},
        format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response.json()["site"] == ["No hay nada activo con code «XYZ». Compárelo con las listas."]
    assert Household.objects.count() == 1  # nothing written
