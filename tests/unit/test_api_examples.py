"""The OpenAPI examples are valid requests: each validates against the model it documents."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from api.examples import EXAMPLES
from api.http import create_app


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda m: m.__name__)
def test_each_example_is_a_valid_request_body(model: type[BaseModel]) -> None:
    model.model_validate(EXAMPLES[model])


def test_the_published_schema_carries_the_examples() -> None:
    components = create_app().openapi()["components"]["schemas"]
    documented = [m.__name__ for m in EXAMPLES if "examples" in components.get(m.__name__, {})]
    assert len(documented) == len(EXAMPLES)
